//! `aws_ec2_launch_template`: an EC2 launch template, the AMI, instance type,
//! instance profile, security groups, user data and metadata options its
//! instances start with, and its tags.
//!
//! EC2 versions a template's data: a change of any data field is a new version,
//! made the default one. The version sent always carries every field, rather
//! than inheriting the others from a source version (moto does not inherit).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    InstanceType, LaunchTemplate, LaunchTemplateHttpTokensState,
    LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    RequestLaunchTemplateData, ResourceType, ResponseLaunchTemplateData,
};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_launch_template";

/// The error code of a launch template id EC2 does not know.
const NOT_FOUND: &str = "InvalidLaunchTemplateId.NotFound";

/// The error code of an id that is not a launch template id.
const MALFORMED: &str = "InvalidLaunchTemplateId.Malformed";

/// The version selector of a template's default version.
const DEFAULT_VERSION: &str = "$Default";

/// The template data fields: a change of any of them is a new version.
const DATA_FIELDS: [&str; 6] = [
    "image_id",
    "instance_type",
    "iam_instance_profile_arn",
    "security_group_ids",
    "user_data",
    "require_imdsv2",
];

/// Creates the template, tagged, with the request's data as version 1, and
/// returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_launch_template()
        .launch_template_name(request.required_str("name")?)
        .launch_template_data(template_data(&request)?)
        .set_tag_specifications(
            tag_specification(ResourceType::LaunchTemplate, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateLaunchTemplate", err))?;
    let id = output
        .launch_template()
        .and_then(LaunchTemplate::launch_template_id)
        .ok_or_else(|| malformed("CreateLaunchTemplate", "launch template id"))?;
    tracing::debug!(launch_template = id, "created launch template");
    read_back("DescribeLaunchTemplates", "launch template", id, || {
        read(client, id)
    })
    .await
}

/// Reads the template: its name, tags and latest version from
/// `DescribeLaunchTemplates`, and the fields of its default version from
/// `DescribeLaunchTemplateVersions`. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(template) = describe(client, id).await? else {
        return Ok(None);
    };
    let name = template
        .launch_template_name()
        .ok_or_else(|| malformed("DescribeLaunchTemplates", "launch template name"))?;
    let latest_version = template
        .latest_version_number()
        .ok_or_else(|| malformed("DescribeLaunchTemplates", "latest version number"))?;

    let versions = match client
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions(DEFAULT_VERSION)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, MALFORMED) => return Ok(None),
        Err(err) => return Err(api_error("DescribeLaunchTemplateVersions", err)),
    };
    let data = versions
        .launch_template_versions()
        .first()
        .and_then(|version| version.launch_template_data())
        .ok_or_else(|| {
            malformed(
                "DescribeLaunchTemplateVersions",
                "default version's template data",
            )
        })?;

    let mut inputs = data_inputs(data)?;
    inputs.insert("name".to_owned(), Value::from(name));
    inputs.insert("tags".to_owned(), observed_tags(template.tags()));
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(id)),
        ("latest_version".to_owned(), Value::from(latest_version)),
    ]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the tags that differ from `current`; when any data field differs,
/// makes a new version with the whole requested data and sets it as the
/// default. The name forces replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;

    let data_changed = DATA_FIELDS.iter().any(|field| {
        let live = current.get(*field).filter(|value| !value.is_null());
        live != request.get(field) && !(is_empty_list(live) && is_empty_list(request.get(field)))
    });
    if data_changed {
        let output = client
            .create_launch_template_version()
            .launch_template_id(id)
            .launch_template_data(template_data(&request)?)
            .send()
            .await
            .map_err(|err| api_error("CreateLaunchTemplateVersion", err))?;
        let version = output
            .launch_template_version()
            .and_then(|version| version.version_number())
            .ok_or_else(|| malformed("CreateLaunchTemplateVersion", "version number"))?;
        client
            .modify_launch_template()
            .launch_template_id(id)
            .default_version(version.to_string())
            .send()
            .await
            .map_err(|err| api_error("ModifyLaunchTemplate", err))?;
        tracing::debug!(
            launch_template = id,
            version,
            "made a new default launch template version"
        );
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeLaunchTemplates", "launch template", id))
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "lt-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the template and all its versions; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .delete_launch_template()
        .launch_template_id(id)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(launch_template = id, "deleted launch template");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, MALFORMED) => Ok(()),
        Err(err) => Err(api_error("DeleteLaunchTemplate", err)),
    }
}

/// Whether `value` is absent or an empty list: no security group either way.
fn is_empty_list(value: Option<&Value>) -> bool {
    value.is_none_or(|value| value.as_array().is_some_and(Vec::is_empty))
}

/// The template data of the request, every field set: the user data
/// base64-encoded, the metadata service enabled, requiring tokens when
/// `require_imdsv2` is (the default).
fn template_data(
    request: &ResourceRequest<'_>,
) -> Result<RequestLaunchTemplateData, ProviderError> {
    let security_group_ids = match request.get("security_group_ids") {
        None => None,
        Some(value) => Some(
            value
                .as_array()
                .ok_or_else(|| ProviderError::Invalid {
                    message: "field `security_group_ids` must be a list".to_owned(),
                })?
                .iter()
                .map(|id| {
                    id.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| ProviderError::Invalid {
                            message: "field `security_group_ids` must list strings".to_owned(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let http_tokens = if request.bool("require_imdsv2").unwrap_or(true) {
        LaunchTemplateHttpTokensState::Required
    } else {
        LaunchTemplateHttpTokensState::Optional
    };
    Ok(RequestLaunchTemplateData::builder()
        .image_id(request.required_str("image_id")?)
        .instance_type(InstanceType::from(
            request.str("instance_type").unwrap_or("t3.micro"),
        ))
        .set_iam_instance_profile(request.str("iam_instance_profile_arn").map(|arn| {
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .arn(arn)
                .build()
        }))
        .set_security_group_ids(security_group_ids.filter(|ids| !ids.is_empty()))
        .set_user_data(
            request
                .str("user_data")
                .map(aws_smithy_types::base64::encode),
        )
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(http_tokens)
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                // Containers in bridge mode are one network hop further than
                // the instance: with IMDSv2's default limit of 1 they could not
                // fetch the role's credentials (AWS's advice for ECS is 2).
                .http_put_response_hop_limit(2)
                .build(),
        )
        .build())
}

/// The live value of each data field in a version's data; the optional ones
/// left out when unset, the security groups sorted, the user data decoded.
fn data_inputs(
    data: &ResponseLaunchTemplateData,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let mut inputs = BTreeMap::new();
    if let Some(image_id) = data.image_id() {
        inputs.insert("image_id".to_owned(), Value::from(image_id));
    }
    if let Some(instance_type) = data.instance_type() {
        inputs.insert(
            "instance_type".to_owned(),
            Value::from(instance_type.as_str()),
        );
    }
    if let Some(arn) = data
        .iam_instance_profile()
        .and_then(|profile| profile.arn())
    {
        inputs.insert("iam_instance_profile_arn".to_owned(), Value::from(arn));
    }
    let mut security_group_ids = data.security_group_ids().to_vec();
    if !security_group_ids.is_empty() {
        security_group_ids.sort();
        inputs.insert(
            "security_group_ids".to_owned(),
            Value::Array(security_group_ids.into_iter().map(Value::from).collect()),
        );
    }
    if let Some(encoded) = data.user_data().filter(|data| !data.is_empty()) {
        let bytes = aws_smithy_types::base64::decode(encoded)
            .map_err(|_| malformed("DescribeLaunchTemplateVersions", "base64 user data"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| malformed("DescribeLaunchTemplateVersions", "UTF-8 user data"))?;
        inputs.insert("user_data".to_owned(), Value::from(text));
    }
    let require_imdsv2 = data
        .metadata_options()
        .and_then(|options| options.http_tokens())
        == Some(&LaunchTemplateHttpTokensState::Required);
    inputs.insert("require_imdsv2".to_owned(), Value::from(require_imdsv2));
    Ok(inputs)
}

/// The template `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<LaunchTemplate>, ProviderError> {
    match client
        .describe_launch_templates()
        .launch_template_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .launch_templates
            .unwrap_or_default()
            .into_iter()
            .find(|template| template.launch_template_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, MALFORMED) => Ok(None),
        Err(err) => Err(api_error("DescribeLaunchTemplates", err)),
    }
}
