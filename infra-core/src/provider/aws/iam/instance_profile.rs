//! `aws_iam_instance_profile`: an instance profile holding one role, which EC2
//! instances launched with it assume, with its tags.

use std::collections::BTreeMap;

use aws_sdk_iam::types::InstanceProfile;
use aws_sdk_iam::Client;

use super::{delete_conflict, iam_tags, read_back, role_not_yet_visible, NOT_FOUND};
use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, retry_eventual, tag_changes, user_tags,
    vanished, EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_iam_instance_profile";

/// The schema's default path.
const DEFAULT_PATH: &str = "/";

/// Creates the instance profile with its tags, puts its role in it, and returns
/// it as read back. A profile whose role cannot be added is deleted again.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let role = request.required_str("role_name")?;
    let path = request.str("path").unwrap_or(DEFAULT_PATH);
    let tags = iam_tags(creation_tags(&request))?;

    client
        .create_instance_profile()
        .instance_profile_name(name)
        .path(path)
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("CreateInstanceProfile", err))?;
    tracing::debug!(profile = name, "created IAM instance profile");

    if let Err(err) = add_role(client, name, role).await {
        // Nothing records a profile whose create failed: delete it rather than
        // leave one in the way of the next apply.
        if let Err(cleanup) = delete(client, name).await {
            tracing::warn!(profile = name, error = %cleanup, "could not delete the half-created instance profile");
        }
        return Err(err);
    }

    read_back("GetInstanceProfile", "IAM instance profile", name, || {
        read(client, name)
    })
    .await
}

/// Reads the instance profile: path, role (null when it holds none) and every
/// tag but AWS's own. Only get calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(profile) = get_profile(client, id).await? else {
        return Ok(None);
    };
    let name = profile.instance_profile_name();
    let role = profile
        .roles()
        .first()
        .map_or(Value::Null, |role| Value::from(role.role_name()));
    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("path".to_owned(), Value::from(profile.path())),
        ("role_name".to_owned(), role),
        (
            "tags".to_owned(),
            user_tags(profile.tags().iter().map(|tag| (tag.key(), tag.value()))),
        ),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(name)),
        ("arn".to_owned(), Value::from(profile.arn())),
    ]);
    Ok(Some(Observed {
        id: name.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the role (the old one taken out, the new one put in) and the tags
/// that differ; the name and path force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let wanted = request.required_str("role_name")?;
    // The live roles, not the recorded ones: replacing the role (same name)
    // takes it out of this profile when the old role is deleted.
    let profile = get_profile(client, id)
        .await?
        .ok_or_else(|| vanished("GetInstanceProfile", "IAM instance profile", id))?;
    let live: Vec<&str> = profile
        .roles()
        .iter()
        .map(|role| role.role_name())
        .collect();
    // A profile holds one role: make room before adding.
    for role in live.iter().filter(|role| **role != wanted) {
        remove_role(client, id, role).await?;
    }
    if !live.contains(&wanted) {
        add_role(client, id, wanted).await?;
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() {
        client
            .tag_instance_profile()
            .instance_profile_name(id)
            .set_tags(Some(iam_tags(changes.set)?))
            .send()
            .await
            .map_err(|err| api_error("TagInstanceProfile", err))?;
    }
    if !changes.remove.is_empty() {
        client
            .untag_instance_profile()
            .instance_profile_name(id)
            .set_tag_keys(Some(changes.remove))
            .send()
            .await
            .map_err(|err| api_error("UntagInstanceProfile", err))?;
    }

    read_back("GetInstanceProfile", "IAM instance profile", id, || {
        read(client, id)
    })
    .await
}

/// Finds the instance profile by its name, adopted when its tags say it is this
/// stack resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("IAM instance profile", read(client, name).await?, &request)
}

/// Deletes the instance profile; one already gone is success. IAM refuses to
/// delete a profile that still holds a role, so its role is taken out first;
/// the delete is retried (bounded) while IAM has not yet propagated that.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let Some(profile) = get_profile(client, id).await? else {
        return Ok(());
    };
    for role in profile.roles() {
        remove_role(client, id, role.role_name()).await?;
    }
    retry_eventual(EVENTUAL_CONSISTENCY_TIMEOUT, delete_conflict, || async {
        match client
            .delete_instance_profile()
            .instance_profile_name(id)
            .send()
            .await
        {
            Ok(_) => {
                tracing::debug!(profile = id, "deleted IAM instance profile");
                Ok(())
            }
            Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
            Err(err) => Err(api_error("DeleteInstanceProfile", err)),
        }
    })
    .await
}

/// The instance profile `name`, or `None` when IAM does not know it.
async fn get_profile(
    client: &Client,
    name: &str,
) -> Result<Option<InstanceProfile>, ProviderError> {
    match client
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(output) => output
            .instance_profile
            .map(Some)
            .ok_or_else(|| malformed("GetInstanceProfile", "instance profile")),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("GetInstanceProfile", err)),
    }
}

/// Puts `role` in the profile, retried while IAM has not yet propagated a role
/// just made.
async fn add_role(client: &Client, profile: &str, role: &str) -> Result<(), ProviderError> {
    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        |err| role_not_yet_visible(err, role),
        || async {
            client
                .add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .map_err(|err| api_error("AddRoleToInstanceProfile", err))
        },
    )
    .await?;
    tracing::debug!(profile, role, "added role to instance profile");
    Ok(())
}

/// Takes `role` out of the profile; one no longer in it is success.
async fn remove_role(client: &Client, profile: &str, role: &str) -> Result<(), ProviderError> {
    match client
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(profile, role, "removed role from instance profile");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("RemoveRoleFromInstanceProfile", err)),
    }
}
