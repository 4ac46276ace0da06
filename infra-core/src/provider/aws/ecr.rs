//! ECR resource types: `aws_ecr_repository`, a private repository of container
//! images with its scanning, tag mutability, encryption and tags.

use std::collections::BTreeMap;

use aws_sdk_ecr::error::BuildError;
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository, Tag,
};
use aws_sdk_ecr::Client;

use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, tag_changes, user_tags, vanished,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecr_repository";

/// The error code of a repository that does not exist.
const NOT_FOUND: &str = "RepositoryNotFoundException";

/// The schema's default tag mutability.
const IMMUTABLE: &str = "IMMUTABLE";

/// The schema's default encryption, and what AWS reports when a repository has no
/// encryption configuration.
const AES256: &str = "AES256";

/// Creates the repository with its scanning, tag mutability, encryption and tags,
/// and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let mutability = tag_mutability(request.str("image_tag_mutability").unwrap_or(IMMUTABLE))?;
    let encryption = encryption(request.str("encryption").unwrap_or(AES256))?;
    let tags = creation_tags(&request)
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;

    client
        .create_repository()
        .repository_name(name)
        .image_scanning_configuration(scanning(request.bool("scan_on_push").unwrap_or(true)))
        .image_tag_mutability(mutability)
        .encryption_configuration(
            EncryptionConfiguration::builder()
                .encryption_type(encryption)
                .build()
                .map_err(invalid)?,
        )
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("CreateRepository", err))?;
    tracing::debug!(repository = name, "created ECR repository");

    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeRepositories", "repository", name))
}

/// Reads the repository: scanning, tag mutability, encryption and every tag but
/// AWS's own. Only describe and list calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(repository) = describe(client, id).await? else {
        return Ok(None);
    };
    let name = repository
        .repository_name()
        .ok_or_else(|| malformed("DescribeRepositories", "repository name"))?;
    let arn = repository
        .repository_arn()
        .ok_or_else(|| malformed("DescribeRepositories", "repository ARN"))?;
    let url = repository
        .repository_uri()
        .ok_or_else(|| malformed("DescribeRepositories", "repository URI"))?;
    let scan_on_push = repository
        .image_scanning_configuration()
        .is_some_and(ImageScanningConfiguration::scan_on_push);
    let mutability = repository
        .image_tag_mutability()
        .map_or("MUTABLE", ImageTagMutability::as_str);
    let encryption = repository
        .encryption_configuration()
        .map_or(AES256, |config| config.encryption_type().as_str());

    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("scan_on_push".to_owned(), Value::Bool(scan_on_push)),
        ("image_tag_mutability".to_owned(), Value::from(mutability)),
        ("encryption".to_owned(), Value::from(encryption)),
        ("tags".to_owned(), list_tags(client, arn).await?),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(name)),
        ("arn".to_owned(), Value::from(arn)),
        ("repository_url".to_owned(), Value::from(url)),
    ]);
    Ok(Some(Observed {
        id: name.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the scanning, tag mutability and tags that differ from `current`; the
/// name and encryption force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    if let Some(scan_on_push) = request.bool("scan_on_push") {
        if current.get("scan_on_push").and_then(Value::as_bool) != Some(scan_on_push) {
            client
                .put_image_scanning_configuration()
                .repository_name(id)
                .image_scanning_configuration(scanning(scan_on_push))
                .send()
                .await
                .map_err(|err| api_error("PutImageScanningConfiguration", err))?;
        }
    }
    if let Some(mutability) = request.str("image_tag_mutability") {
        if current.get("image_tag_mutability").and_then(Value::as_str) != Some(mutability) {
            client
                .put_image_tag_mutability()
                .repository_name(id)
                .image_tag_mutability(tag_mutability(mutability)?)
                .send()
                .await
                .map_err(|err| api_error("PutImageTagMutability", err))?;
        }
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() || !changes.remove.is_empty() {
        // Tagging takes the repository's ARN, not its name.
        let repository = describe(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeRepositories", "repository", id))?;
        let arn = repository
            .repository_arn()
            .ok_or_else(|| malformed("DescribeRepositories", "repository ARN"))?;
        if !changes.set.is_empty() {
            let tags = changes
                .set
                .into_iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|err| api_error("TagResource", err))?;
        }
        if !changes.remove.is_empty() {
            client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(changes.remove))
                .send()
                .await
                .map_err(|err| api_error("UntagResource", err))?;
        }
    }

    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeRepositories", "repository", id))
}

/// Finds the repository by its name, adopted when its tags say it is this
/// stack resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("ECR repository", read(client, name).await?, &request)
}

/// Deletes the repository and the images in it; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .delete_repository()
        .repository_name(id)
        .force(true)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(repository = id, "deleted ECR repository");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteRepository", err)),
    }
}

/// The repository `name`, or `None` when ECR does not know it.
async fn describe(client: &Client, name: &str) -> Result<Option<Repository>, ProviderError> {
    match client
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .repositories
            .unwrap_or_default()
            .into_iter()
            .find(|repository| repository.repository_name() == Some(name))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeRepositories", err)),
    }
}

/// Every tag of the repository `arn` but AWS's own.
async fn list_tags(client: &Client, arn: &str) -> Result<Value, ProviderError> {
    let output = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|err| api_error("ListTagsForResource", err))?;
    Ok(user_tags(
        output.tags().iter().map(|tag| (tag.key(), tag.value())),
    ))
}

/// The image scanning configuration that scans on push or not.
fn scanning(scan_on_push: bool) -> ImageScanningConfiguration {
    ImageScanningConfiguration::builder()
        .scan_on_push(scan_on_push)
        .build()
}

/// The tag mutability `value`, checked.
fn tag_mutability(value: &str) -> Result<ImageTagMutability, ProviderError> {
    match value {
        "MUTABLE" => Ok(ImageTagMutability::Mutable),
        IMMUTABLE => Ok(ImageTagMutability::Immutable),
        other => Err(ProviderError::Invalid {
            message: format!("`image_tag_mutability` must be MUTABLE or IMMUTABLE, not `{other}`"),
        }),
    }
}

/// The encryption type `value`, checked.
fn encryption(value: &str) -> Result<EncryptionType, ProviderError> {
    match value {
        AES256 => Ok(EncryptionType::Aes256),
        "KMS" => Ok(EncryptionType::Kms),
        other => Err(ProviderError::Invalid {
            message: format!("`encryption` must be AES256 or KMS, not `{other}`"),
        }),
    }
}

/// A request the SDK refuses to build: a required member is missing.
fn invalid(err: BuildError) -> ProviderError {
    ProviderError::Invalid {
        message: err.to_string(),
    }
}
