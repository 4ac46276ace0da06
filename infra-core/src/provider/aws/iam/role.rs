//! `aws_iam_role`: an IAM role with its trust policy, attached managed policies,
//! inline policies, description, longest session and tags.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::Role;
use aws_sdk_iam::Client;

use super::{
    canonical_policy, delete_conflict, iam_tags, policy_block, policy_json, read_back,
    role_not_yet_visible, NOT_FOUND,
};
use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, retry_eventual, tag_changes, user_tags,
    EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_iam_role";

/// The schema's default path.
const DEFAULT_PATH: &str = "/";

/// The schema's default longest session, which is also IAM's.
const DEFAULT_MAX_SESSION: i64 = 3600;

/// Creates the role with its trust policy, description, longest session and
/// tags, attaches its managed policies and puts its inline policies, and returns
/// it as read back. A role half made (a policy refused) is deleted again.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let path = request.str("path").unwrap_or(DEFAULT_PATH);
    let trust = policy_json(trust_block(&request)?)?;
    let max_session = session_duration(
        request
            .int("max_session_duration")
            .unwrap_or(DEFAULT_MAX_SESSION),
    )?;
    let tags = iam_tags(creation_tags(&request))?;
    // Checked before anything is made.
    let managed = managed_arns(&request)?;
    let inline = inline_policies(&request)?;

    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        principal_not_yet_visible,
        || async {
            client
                .create_role()
                .role_name(name)
                .path(path)
                .assume_role_policy_document(&trust)
                .set_description(request.str("description").map(str::to_owned))
                .max_session_duration(max_session)
                .set_tags((!tags.is_empty()).then(|| tags.clone()))
                .send()
                .await
                .map_err(|err| api_error("CreateRole", err))
        },
    )
    .await?;
    tracing::debug!(role = name, "created IAM role");

    let grant = async {
        for arn in &managed {
            attach(client, name, arn).await?;
        }
        for (policy, block) in &inline {
            put_inline(client, name, policy, block).await?;
        }
        Ok::<_, ProviderError>(())
    };
    if let Err(err) = grant.await {
        // Nothing records a role whose create failed: delete it rather than leave
        // one in the way of the next apply.
        if let Err(cleanup) = delete(client, name).await {
            tracing::warn!(role = name, error = %cleanup, "could not delete the half-created IAM role");
        }
        return Err(err);
    }

    read_back("GetRole", "IAM role", name, || read(client, name)).await
}

/// Reads the role: trust policy (decoded and put back in the block's shape),
/// managed policy ARNs (sorted: IAM keeps no order), inline policies (sorted by
/// name), description, longest session and every tag but AWS's own. Only get
/// and list calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(role) = get_role(client, id).await? else {
        return Ok(None);
    };
    let name = role.role_name();
    let document = role
        .assume_role_policy_document()
        .ok_or_else(|| malformed("GetRole", "trust policy"))?;
    let trust =
        canonical_policy(document).ok_or_else(|| malformed("GetRole", "trust policy in JSON"))?;
    // A role deleted between these calls is gone.
    let Some(mut managed) = attached_policies(client, name).await? else {
        return Ok(None);
    };
    managed.sort();
    let Some(inline) = read_inline_policies(client, name).await? else {
        return Ok(None);
    };
    let description = role
        .description()
        .filter(|description| !description.is_empty())
        .map_or(Value::Null, Value::from);
    let max_session = role
        .max_session_duration()
        .map_or(DEFAULT_MAX_SESSION, i64::from);

    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("path".to_owned(), Value::from(role.path())),
        ("description".to_owned(), description),
        ("assume_role_policy".to_owned(), policy_block(&trust)),
        (
            "managed_policy_arns".to_owned(),
            Value::Array(managed.into_iter().map(Value::from).collect()),
        ),
        ("inline_policies".to_owned(), Value::Array(inline)),
        ("max_session_duration".to_owned(), Value::from(max_session)),
        (
            "tags".to_owned(),
            user_tags(role.tags().iter().map(|tag| (tag.key(), tag.value()))),
        ),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(name)),
        ("arn".to_owned(), Value::from(role.arn())),
        ("unique_id".to_owned(), Value::from(role.role_id())),
    ]);
    Ok(Some(Observed {
        id: name.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes what differs from `current`: the trust policy, the description and
/// longest session, the managed policies (attached and detached as a set), the
/// inline policies (put and deleted by name) and the tags. The name and path
/// force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let trust = trust_block(&request)?;
    if current.get("assume_role_policy") != Some(trust) {
        let document = policy_json(trust)?;
        retry_eventual(
            EVENTUAL_CONSISTENCY_TIMEOUT,
            principal_not_yet_visible,
            || async {
                client
                    .update_assume_role_policy()
                    .role_name(id)
                    .policy_document(&document)
                    .send()
                    .await
                    .map_err(|err| api_error("UpdateAssumeRolePolicy", err))
            },
        )
        .await?;
    }

    let description = request.str("description");
    let max_session = request
        .int("max_session_duration")
        .unwrap_or(DEFAULT_MAX_SESSION);
    if description != current.get("description").and_then(Value::as_str)
        || Some(max_session) != current.get("max_session_duration").and_then(Value::as_i64)
    {
        // Both always sent: moto resets a missing session length to an hour and
        // a missing description to none. An empty description removes it.
        client
            .update_role()
            .role_name(id)
            .description(description.unwrap_or_default())
            .max_session_duration(session_duration(max_session)?)
            .send()
            .await
            .map_err(|err| api_error("UpdateRole", err))?;
    }

    let wanted: BTreeSet<&str> = managed_arns(&request)?.into_iter().collect();
    let live: BTreeSet<&str> = current
        .get("managed_policy_arns")
        .and_then(Value::as_array)
        .map(|arns| arns.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for arn in wanted.difference(&live) {
        attach(client, id, arn).await?;
    }
    for arn in live.difference(&wanted) {
        detach(client, id, arn).await?;
    }

    let wanted = inline_policies(&request)?;
    let live: BTreeMap<&str, &Value> = current
        .get("inline_policies")
        .and_then(Value::as_array)
        .map(|policies| {
            policies
                .iter()
                .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("policy")?)))
                .collect()
        })
        .unwrap_or_default();
    for (name, block) in &wanted {
        if live.get(name) != Some(block) {
            put_inline(client, id, name, block).await?;
        }
    }
    for name in live.keys().filter(|name| !wanted.contains_key(*name)) {
        delete_inline(client, id, name).await?;
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() {
        client
            .tag_role()
            .role_name(id)
            .set_tags(Some(iam_tags(changes.set)?))
            .send()
            .await
            .map_err(|err| api_error("TagRole", err))?;
    }
    if !changes.remove.is_empty() {
        client
            .untag_role()
            .role_name(id)
            .set_tag_keys(Some(changes.remove))
            .send()
            .await
            .map_err(|err| api_error("UntagRole", err))?;
    }

    read_back("GetRole", "IAM role", id, || read(client, id)).await
}

/// Finds the role by its name, adopted when its tags say it is this stack
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("IAM role", read(client, name).await?, &request)
}

/// Deletes the role; one already gone is success. IAM refuses to delete a role
/// still in an instance profile or with policies, so it is first taken out of
/// every instance profile, its managed policies detached and its inline
/// policies deleted; the delete is retried (bounded) while IAM has not yet
/// propagated those.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let Some(profiles) = instance_profiles_of(client, id).await? else {
        return Ok(());
    };
    for profile in profiles {
        match client
            .remove_role_from_instance_profile()
            .instance_profile_name(&profile)
            .role_name(id)
            .send()
            .await
        {
            Ok(_) => tracing::debug!(role = id, profile, "removed IAM role from instance profile"),
            Err(err) if has_code(&err, NOT_FOUND) => {}
            Err(err) => return Err(api_error("RemoveRoleFromInstanceProfile", err)),
        }
    }
    let Some(managed) = attached_policies(client, id).await? else {
        return Ok(());
    };
    for arn in &managed {
        detach(client, id, arn).await?;
    }
    let Some(inline) = role_policy_names(client, id).await? else {
        return Ok(());
    };
    for name in &inline {
        delete_inline(client, id, name).await?;
    }

    retry_eventual(EVENTUAL_CONSISTENCY_TIMEOUT, delete_conflict, || async {
        match client.delete_role().role_name(id).send().await {
            Ok(_) => {
                tracing::debug!(role = id, "deleted IAM role");
                Ok(())
            }
            Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
            Err(err) => Err(api_error("DeleteRole", err)),
        }
    })
    .await
}

/// The role `name`, or `None` when IAM does not know it.
async fn get_role(client: &Client, name: &str) -> Result<Option<Role>, ProviderError> {
    match client.get_role().role_name(name).send().await {
        Ok(output) => output
            .role
            .map(Some)
            .ok_or_else(|| malformed("GetRole", "role")),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("GetRole", err)),
    }
}

/// The ARNs of the managed policies attached to the role, every page; `None`
/// when the role does not exist.
async fn attached_policies(
    client: &Client,
    role: &str,
) -> Result<Option<Vec<String>>, ProviderError> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let output = match client
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if has_code(&err, NOT_FOUND) => return Ok(None),
            Err(err) => return Err(api_error("ListAttachedRolePolicies", err)),
        };
        for policy in output.attached_policies() {
            let arn = policy
                .policy_arn()
                .ok_or_else(|| malformed("ListAttachedRolePolicies", "policy ARN"))?;
            arns.push(arn.to_owned());
        }
        marker = output.marker().map(str::to_owned);
        if !output.is_truncated() || marker.is_none() {
            return Ok(Some(arns));
        }
    }
}

/// The names of the role's inline policies, every page; `None` when the role
/// does not exist.
async fn role_policy_names(
    client: &Client,
    role: &str,
) -> Result<Option<Vec<String>>, ProviderError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let output = match client
            .list_role_policies()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if has_code(&err, NOT_FOUND) => return Ok(None),
            Err(err) => return Err(api_error("ListRolePolicies", err)),
        };
        names.extend(output.policy_names().iter().cloned());
        marker = output.marker().map(str::to_owned);
        if !output.is_truncated() || marker.is_none() {
            return Ok(Some(names));
        }
    }
}

/// The role's inline policies as the catalog's blocks (`{name, policy}`), sorted
/// by name; `None` when the role does not exist.
async fn read_inline_policies(
    client: &Client,
    role: &str,
) -> Result<Option<Vec<Value>>, ProviderError> {
    let Some(mut names) = role_policy_names(client, role).await? else {
        return Ok(None);
    };
    names.sort();
    let mut policies = Vec::with_capacity(names.len());
    for name in names {
        let output = match client
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
        {
            Ok(output) => output,
            // Deleted since it was listed.
            Err(err) if has_code(&err, NOT_FOUND) => continue,
            Err(err) => return Err(api_error("GetRolePolicy", err)),
        };
        let document = canonical_policy(output.policy_document())
            .ok_or_else(|| malformed("GetRolePolicy", "policy document in JSON"))?;
        policies.push(Value::Object(serde_json::Map::from_iter([
            ("name".to_owned(), Value::from(name)),
            ("policy".to_owned(), policy_block(&document)),
        ])));
    }
    Ok(Some(policies))
}

/// The names of the instance profiles holding the role, every page; `None` when
/// the role does not exist.
async fn instance_profiles_of(
    client: &Client,
    role: &str,
) -> Result<Option<Vec<String>>, ProviderError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let output = match client
            .list_instance_profiles_for_role()
            .role_name(role)
            .set_marker(marker)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if has_code(&err, NOT_FOUND) => return Ok(None),
            Err(err) => return Err(api_error("ListInstanceProfilesForRole", err)),
        };
        names.extend(
            output
                .instance_profiles()
                .iter()
                .map(|profile| profile.instance_profile_name().to_owned()),
        );
        marker = output.marker().map(str::to_owned);
        if !output.is_truncated() || marker.is_none() {
            return Ok(Some(names));
        }
    }
}

/// Attaches the managed policy `arn`, retried while IAM has not yet propagated a
/// role just made.
async fn attach(client: &Client, role: &str, arn: &str) -> Result<(), ProviderError> {
    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        |err| role_not_yet_visible(err, role),
        || async {
            client
                .attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|err| api_error("AttachRolePolicy", err))
        },
    )
    .await?;
    tracing::debug!(role, policy = arn, "attached managed policy");
    Ok(())
}

/// Detaches the managed policy `arn`; one no longer attached is success.
async fn detach(client: &Client, role: &str, arn: &str) -> Result<(), ProviderError> {
    match client
        .detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(role, policy = arn, "detached managed policy");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DetachRolePolicy", err)),
    }
}

/// Puts (creates or replaces) the inline policy `name` from its block, retried
/// while IAM has not yet propagated a role just made.
async fn put_inline(
    client: &Client,
    role: &str,
    name: &str,
    block: &Value,
) -> Result<(), ProviderError> {
    let document = policy_json(block)?;
    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        |err| role_not_yet_visible(err, role),
        || async {
            client
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(&document)
                .send()
                .await
                .map_err(|err| api_error("PutRolePolicy", err))
        },
    )
    .await?;
    tracing::debug!(role, policy = name, "put inline policy");
    Ok(())
}

/// Deletes the inline policy `name`; one already gone is success.
async fn delete_inline(client: &Client, role: &str, name: &str) -> Result<(), ProviderError> {
    match client
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(role, policy = name, "deleted inline policy");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteRolePolicy", err)),
    }
}

/// The request's trust policy block.
fn trust_block<'a>(request: &ResourceRequest<'a>) -> Result<&'a Value, ProviderError> {
    request
        .inputs
        .get("assume_role_policy")
        .filter(|block| !block.is_null())
        .ok_or_else(|| invalid("field `assume_role_policy` is missing"))
}

/// The request's managed policy ARNs, in the declared order.
fn managed_arns<'a>(request: &ResourceRequest<'a>) -> Result<Vec<&'a str>, ProviderError> {
    let Some(arns) = request
        .inputs
        .get("managed_policy_arns")
        .filter(|arns| !arns.is_null())
    else {
        return Ok(Vec::new());
    };
    arns.as_array()
        .and_then(|arns| arns.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
        .ok_or_else(|| invalid("field `managed_policy_arns` must be a list of ARNs"))
}

/// The request's inline policies: name → policy document block, each name once.
fn inline_policies<'a>(
    request: &ResourceRequest<'a>,
) -> Result<BTreeMap<&'a str, &'a Value>, ProviderError> {
    let Some(policies) = request
        .inputs
        .get("inline_policies")
        .filter(|policies| !policies.is_null())
    else {
        return Ok(BTreeMap::new());
    };
    let policies = policies
        .as_array()
        .ok_or_else(|| invalid("field `inline_policies` must be a list"))?;
    let mut by_name = BTreeMap::new();
    for policy in policies {
        let name = policy
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("every inline policy needs a `name`"))?;
        let block = policy
            .get("policy")
            .filter(|block| !block.is_null())
            .ok_or_else(|| invalid(&format!("inline policy `{name}` needs a `policy`")))?;
        if by_name.insert(name, block).is_some() {
            return Err(invalid(&format!(
                "two inline policies are named `{name}`: IAM keeps one per name"
            )));
        }
    }
    Ok(by_name)
}

/// The longest session, checked against IAM's bounds.
fn session_duration(seconds: i64) -> Result<i32, ProviderError> {
    i32::try_from(seconds)
        .ok()
        .filter(|seconds| (3600..=43_200).contains(seconds))
        .ok_or_else(|| {
            invalid(&format!(
                "`max_session_duration` must be 3600 to 43200 seconds, not {seconds}"
            ))
        })
}

/// Whether `err` is IAM refusing a trust policy naming an AWS principal (a role
/// just made) it has not yet propagated: "Invalid principal in policy".
fn principal_not_yet_visible(err: &ProviderError) -> bool {
    matches!(err, ProviderError::Api { code, message, .. }
        if code == "MalformedPolicyDocument" && message.contains("Invalid principal in policy"))
}

/// An ill-formed request.
fn invalid(message: &str) -> ProviderError {
    ProviderError::Invalid {
        message: message.to_owned(),
    }
}
