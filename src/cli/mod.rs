//! A Terraform-style command line for any stack, in one line of `main`.
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     let stack = infra::stack! {
//!         name = "demo";
//!         region = "eu-west-2";
//!         let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
//!     };
//!     infra::cli::run(stack)
//! }
//! ```
//!
//! The verbs and flags are Terraform's: `plan` (the default) with
//! `--detailed-exitcode`, `--json` and `--out FILE`, `apply [PLANFILE]
//! --auto-approve`, `destroy --auto-approve`, `output`, `import ADDRESS ID`,
//! `force-unlock LOCK_ID`, `graph --format dot|mermaid`; `--state PATH` or
//! `--backend dynamodb://TABLE/KEY` for where state lives.

use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod output;

use output::{colour_plan, Progress};

use crate::provider::aws::AwsProvider;
use crate::state::DynamoDbState;
use crate::{Action, Engine, LocalState, Plan, Stack};
use infra_schema::BackendUrl;

/// Plan, apply and destroy this stack on AWS.
#[derive(Debug, Parser)]
#[command(
    about,
    long_about = "Plan, apply and destroy this stack on AWS.\n\n\
        AWS is reached through the usual chain: AWS_PROFILE, AWS_ACCESS_KEY_ID and \
        AWS_SECRET_ACCESS_KEY, SSO, instance roles. AWS_ENDPOINT_URL points it at a \
        local emulator such as moto or LocalStack.",
    after_help = "Examples:\n  \
        backend_stack                       show what apply would do\n  \
        backend_stack plan --detailed-exitcode\n  \
        backend_stack apply --auto-approve\n  \
        backend_stack destroy --auto-approve --state prod.json\n  \
        backend_stack graph --format mermaid"
)]
struct Cli {
    /// The state file [default: the stack's backend, else <stack name>.infra-state.json]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "INFRA_STATE",
        conflicts_with = "backend"
    )]
    state: Option<PathBuf>,

    /// Where state is kept, over the stack's own setting: dynamodb://TABLE/KEY
    /// (shared, locked by DynamoDB) or file://PATH
    #[arg(long, global = true, value_name = "URL", env = "INFRA_BACKEND")]
    backend: Option<String>,

    /// A value for one of the stack's inputs (repeatable); INFRA_VAR_<NAME> in the
    /// environment works too, and --var wins
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what apply would change (the default)
    #[command(after_help = "Examples:\n  \
        backend_stack plan\n  \
        backend_stack plan --detailed-exitcode      # exit 2 when there are changes (CI)\n  \
        backend_stack plan --out release.plan       # save it, then: apply release.plan\n  \
        backend_stack plan --json | jq .summary\n  \
        backend_stack plan --refresh=false          # offline: compare with the state only\n  \
        backend_stack plan --var desired_count=4")]
    Plan(PlanArgs),
    /// Create or update the stack's resources to match the declaration
    #[command(after_help = "Examples:\n  \
        backend_stack apply                         # shows the plan, asks for `yes`\n  \
        backend_stack apply --auto-approve\n  \
        backend_stack apply release.plan            # exactly a saved plan\n  \
        backend_stack apply --var image_uri=123456789012.dkr.ecr.eu-west-2.amazonaws.com/app:v2")]
    Apply(ApplyArgs),
    /// Delete every resource the stack created
    #[command(after_help = "Examples:\n  \
        backend_stack destroy\n  \
        backend_stack destroy --auto-approve --state prod.infra-state.json")]
    Destroy(ApplyArgs),
    /// Check the stack and the input values, offline: no AWS call
    #[command(after_help = "Examples:\n  \
        backend_stack validate\n  \
        backend_stack validate --var desired_count=3")]
    Validate,
    /// Print the outputs recorded by the last apply (all, or the one named)
    #[command(after_help = "Examples:\n  \
        backend_stack output\n  \
        backend_stack output alb_dns_name           # bare value, for scripts\n  \
        backend_stack output --json")]
    Output {
        /// The output to print, alone and unquoted
        name: Option<String>,
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Adopt an existing AWS resource as one the stack declares
    #[command(after_help = "Example:\n  backend_stack import vpc vpc-0a1b2c3d4e5f")]
    Import {
        /// The resource's name in the stack
        address: String,
        /// Its AWS id (what `output`/the console calls its id: vpc-…, a name, an ARN)
        id: String,
    },
    /// Release the state lock of a run that died holding it
    #[command(
        name = "force-unlock",
        after_help = "Example:\n  backend_stack force-unlock 5f0c9e1a-2b7d-4c1e-9a43-0d2f6b8e7c11 --backend dynamodb://infra-state/prod"
    )]
    ForceUnlock {
        /// The lock id, as the error that found it held printed it
        lock_id: String,
    },
    /// Print the dependency graph, for Graphviz (`| dot -Tsvg > stack.svg`) or Mermaid
    #[command(after_help = "Examples:\n  \
        backend_stack graph | dot -Tsvg > stack.svg\n  \
        backend_stack graph --format mermaid > docs/stack.mmd")]
    Graph {
        /// The output format
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT
    Dot,
    /// A Mermaid flowchart
    Mermaid,
}

#[derive(Debug, Default, Args)]
struct PlanArgs {
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on error
    #[arg(long)]
    detailed_exitcode: bool,

    /// Print the plan as JSON (schema: docs/PLAN_FORMAT.md)
    #[arg(long)]
    json: bool,

    /// Save the plan to FILE, for `apply FILE` to execute exactly
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,

    #[command(flatten)]
    refresh: RefreshArg,
}

#[derive(Debug, Default, Args)]
struct ApplyArgs {
    /// A plan saved by `plan --out FILE`: applied exactly as approved then, and
    /// refused if the state changed since
    #[arg(value_name = "PLANFILE")]
    plan_file: Option<PathBuf>,

    /// Do not ask for confirmation
    #[arg(long)]
    auto_approve: bool,

    #[command(flatten)]
    refresh: RefreshArg,
}

#[derive(Debug, Clone, Copy, Args)]
struct RefreshArg {
    /// Read the live state of recorded resources before planning; with
    /// `--refresh=false` the plan compares with the state file alone, offline
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    refresh: bool,
}

impl Default for RefreshArg {
    fn default() -> Self {
        RefreshArg { refresh: true }
    }
}

/// Runs the command line given to this process against `stack`, and returns
/// the exit code: 0 on success, 1 on error, and with `plan
/// --detailed-exitcode`, 2 when there are changes.
pub fn run(stack: Stack) -> ExitCode {
    run_with(stack, std::env::args_os())
}

/// Like [`run`], with the arguments given (the first is the program name).
pub fn run_with(stack: Stack, args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(execute(stack, cli)) {
        Ok(code) => code,
        Err(error) => {
            let hint = next_step(error.as_ref());
            output::eprint(&format!(
                "\n{} {error}\n{}",
                output::styled(anstyle::AnsiColor::Red.on_default().bold(), "Error:"),
                hint.map(|hint| format!("\n{hint}\n")).unwrap_or_default()
            ));
            ExitCode::from(1)
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.trim().to_owned(), value.to_owned()))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

/// The input values: `INFRA_VAR_<name>` variables for the stack's inputs, then
/// `--var` flags over them.
fn input_values(stack: &Stack, flags: Vec<(String, String)>) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = stack
        .inputs()
        .iter()
        .filter_map(|input| {
            let value = std::env::var(format!("INFRA_VAR_{}", input.name)).ok()?;
            Some((input.name.clone(), value))
        })
        .collect();
    values.extend(flags);
    values
}

async fn execute(stack: Stack, cli: Cli) -> Result<ExitCode, Failure> {
    let location = state_location(&stack, cli.state, cli.backend)?;
    let inputs = input_values(&stack, cli.vars);
    let engine = |stack, refresh| engine(stack, location.clone(), refresh, inputs.clone());
    match cli.command.unwrap_or(Command::Plan(PlanArgs::default())) {
        Command::Plan(args) => {
            let engine = engine(stack, args.refresh).await?;
            let plan = match engine.plan().await {
                // No AWS account at hand: a plan against the state alone still
                // shows what apply would do, lookups and live values unknown.
                Err(error) if args.refresh.refresh && without_credentials(&error) => {
                    output::eprint(&format!(
                        "{} no AWS credentials found, so this plan compares with the state \
                         file alone: lookups and live values show as (known after apply).\n",
                        output::styled(anstyle::AnsiColor::Yellow.on_default().bold(), "Note:")
                    ));
                    engine.clone().with_refresh(false).plan().await?
                }
                result => result.map_err(refresh_hint)?,
            };
            if args.json {
                println!("{}", plan.to_json());
            } else {
                println!();
                output::print(&colour_plan(&plan.render()));
            }
            if let Some(out) = &args.out {
                std::fs::write(out, plan.to_json())
                    .map_err(|e| format!("cannot save the plan to {}: {e}", out.display()))?;
                eprintln!(
                    "\nSaved the plan to {}. To perform exactly these actions: apply {}",
                    out.display(),
                    out.display()
                );
            }
            Ok(if args.detailed_exitcode && plan.has_changes() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Apply(args) => {
            let engine = engine(stack, args.refresh).await?;
            match &args.plan_file {
                Some(file) => {
                    let text = std::fs::read_to_string(file)
                        .map_err(|e| format!("cannot read the plan {}: {e}", file.display()))?;
                    let plan = Plan::from_json(&text)?;
                    if plan.stack != engine.stack().name() {
                        return Err(format!(
                            "{} is a plan of stack `{}`, not `{}`",
                            file.display(),
                            plan.stack,
                            engine.stack().name()
                        )
                        .into());
                    }
                    // The plan was approved when it was saved: no question asked.
                    apply(&engine, &plan, true, "Apply").await
                }
                None => {
                    let plan = engine.plan().await.map_err(refresh_hint)?;
                    apply(&engine, &plan, args.auto_approve, "Apply").await
                }
            }
        }
        Command::Import { address, id } => {
            let engine = engine(stack, RefreshArg::default()).await?;
            let record = engine.import(&address, &id).await?;
            println!(
                "Imported `{address}` ({}, id {}).",
                record.type_name, record.id
            );
            println!("Run `plan` to see where it differs from the declaration.");
            Ok(ExitCode::SUCCESS)
        }
        Command::ForceUnlock { lock_id } => {
            let engine = engine(stack, RefreshArg::default()).await?;
            engine.force_unlock(&lock_id).await?;
            println!("Released lock {lock_id}.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy(args) => {
            if args.plan_file.is_some() {
                return Err(
                    "destroy takes no plan file: `plan` then `apply FILE` for a saved plan".into(),
                );
            }
            let engine = engine(stack, args.refresh).await?;
            let plan = engine.plan_destroy().await.map_err(refresh_hint)?;
            apply(&engine, &plan, args.auto_approve, "Destroy").await
        }
        Command::Output { name, json } => {
            let outputs = engine(stack, RefreshArg::default())
                .await?
                .outputs()
                .await?;
            print_outputs(&outputs, name.as_deref(), json)
        }
        Command::Validate => {
            let bound = stack.bind(&inputs)?;
            crate::graph::Graph::of(&bound)?;
            let types: std::collections::BTreeSet<_> = bound
                .resources()
                .iter()
                .map(|r| r.schema().type_name)
                .collect();
            output::print(&format!(
                "{} `{}` is valid: {} resources of {} types, {} lookups, {} inputs, {} outputs.\n",
                output::styled(anstyle::AnsiColor::Green.on_default().bold(), "Success!"),
                bound.name(),
                bound.resources().len(),
                types.len(),
                bound.lookups().len(),
                stack.inputs().len(),
                bound.outputs().len(),
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { format } => {
            print!(
                "{}",
                match format {
                    GraphFormat::Dot => crate::graph::to_dot(&stack),
                    GraphFormat::Mermaid => crate::graph::to_mermaid(&stack),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Where the state lives: `--state PATH`, else `--backend URL`, else the
/// stack's `backend` setting, else `<stack name>.infra-state.json`.
fn state_location(
    stack: &Stack,
    state: Option<PathBuf>,
    backend: Option<String>,
) -> Result<BackendUrl, Failure> {
    if let Some(path) = state {
        return Ok(BackendUrl::File(path.display().to_string()));
    }
    match backend.as_deref().or(stack.backend()) {
        Some(url) => Ok(BackendUrl::parse(url).map_err(|e| format!("--backend: {e}"))?),
        None => Ok(BackendUrl::File(format!(
            "{}.infra-state.json",
            stack.name()
        ))),
    }
}

/// The engine for `stack` on AWS, its state at `location` (printed, as users
/// need to know which file or table holds what they deployed).
async fn engine(
    stack: Stack,
    location: BackendUrl,
    refresh: RefreshArg,
    inputs: BTreeMap<String, String>,
) -> Result<Engine, Failure> {
    let provider = AwsProvider::from_env(stack.region()).await;
    let engine = match location {
        BackendUrl::File(path) => {
            eprintln!("State: {path}");
            Engine::new(stack, provider, LocalState::new(path))
        }
        BackendUrl::DynamoDb { table, key } => {
            eprintln!("State: dynamodb://{table}/{key}");
            let backend = DynamoDbState::from_env(stack.region(), &table, &key).await;
            Engine::new(stack, provider, backend)
        }
    };
    Ok(engine.with_refresh(refresh.refresh).with_inputs(inputs))
}

/// `output`: every output as `name = value`, or one output's bare value (for
/// scripts: `$(backend_stack output alb_dns_name)`), or JSON.
fn print_outputs(
    outputs: &BTreeMap<String, crate::Value>,
    name: Option<&str>,
    json: bool,
) -> Result<ExitCode, Failure> {
    let Some(name) = name else {
        if json {
            println!("{}", serde_json::to_string_pretty(outputs)?);
        } else if outputs.is_empty() {
            eprintln!("No outputs recorded: apply the stack first.");
        } else {
            let width = outputs.keys().map(String::len).max().unwrap_or(0);
            for (name, value) in outputs {
                println!("{name:width$} = {value}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let value = outputs.get(name).ok_or_else(|| {
        format!(
            "no output `{name}` is recorded (recorded: {}); apply the stack first, or check the name",
            if outputs.is_empty() { "none".to_owned() } else { outputs.keys().cloned().collect::<Vec<_>>().join(", ") }
        )
    })?;
    match value {
        crate::Value::String(text) if !json => println!("{text}"),
        other => println!("{other}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn apply(
    engine: &Engine,
    plan: &Plan,
    auto_approve: bool,
    verb: &str,
) -> Result<ExitCode, Failure> {
    println!();
    output::print(&colour_plan(&plan.render()));
    if !plan.has_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    if !auto_approve && !confirm(verb)? {
        println!("\n{verb} cancelled.");
        return Ok(ExitCode::from(1));
    }
    println!();
    let progress = Progress::new();
    let report = engine.apply(plan, &|event| progress.show(event)).await?;
    let count = |actions: &[Action]| {
        report
            .done
            .iter()
            .filter(|(_, action)| actions.contains(action))
            .count()
    };
    output::print(&format!(
        "\n{}\n",
        output::styled(
            anstyle::AnsiColor::Green.on_default().bold(),
            &format!(
                "{verb} complete! Resources: {} added, {} changed, {} destroyed. ({:.1}s)",
                count(&[Action::Create, Action::Replace]),
                count(&[Action::Update]),
                count(&[Action::Delete]),
                report.elapsed.as_secs_f64()
            )
        )
    ));
    if verb == "Apply" {
        let outputs = engine.outputs().await?;
        if !outputs.is_empty() {
            println!("\nOutputs:\n");
            let width = outputs.keys().map(String::len).max().unwrap_or(0);
            for (name, value) in &outputs {
                println!("{name:width$} = {value}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn confirm(verb: &str) -> Result<bool, Failure> {
    if !io::stdin().is_terminal() {
        return Err(format!(
            "{} needs confirmation and no terminal is attached; pass --auto-approve",
            verb.to_lowercase()
        )
        .into());
    }
    print!("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    io::stdout().flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// What to do about `error`, when there is something better than reading it.
fn next_step(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use crate::{ApplyError, EngineError, StateError};
    match error.downcast_ref::<EngineError>()? {
        EngineError::Apply(ApplyError::Failed { .. }) => Some(
            "What succeeded is recorded in the state. Fix the cause above (the resource, \
             the AWS error code and its message say what AWS refused), then run `apply` \
             again: it continues from where this one stopped.",
        ),
        EngineError::Apply(ApplyError::StalePlan { .. }) => {
            Some("Run `plan --out FILE` again, review it, and `apply FILE`.")
        }
        EngineError::State(StateError::Corrupt { .. }) => Some(
            "Nothing was changed. Restore the state from its `.backup` file beside it, \
             or from your own copy, and run the command again.",
        ),
        EngineError::State(StateError::Conflict { .. }) => {
            Some("Someone else changed the stack: run `plan` again to see the state as it is now.")
        }
        _ => None,
    }
}

/// Whether `error` is AWS reads failing for want of any credentials (not a
/// refusal, not a network failure): then a plan can still be made offline.
fn without_credentials(error: &crate::EngineError) -> bool {
    let provider_error = match error {
        crate::EngineError::Refresh { error, .. } | crate::EngineError::Lookup { error, .. } => {
            error
        }
        _ => return false,
    };
    matches!(
        provider_error.as_ref(),
        crate::ProviderError::Api { code, message, .. }
            if code == "DispatchFailure" && message.contains("no credentials")
    )
}

/// A refresh that cannot reach AWS says how to plan offline.
fn refresh_hint(error: crate::EngineError) -> Failure {
    match error {
        crate::EngineError::Refresh { .. } | crate::EngineError::Lookup { .. } => format!(
            "{error}\n\nReading the live state needs AWS credentials (or AWS_ENDPOINT_URL for an emulator); \
             `plan --refresh=false` compares with the state file alone."
        )
        .into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_are_name_equals_value() {
        assert_eq!(
            parse_var("count=3"),
            Ok(("count".to_owned(), "3".to_owned()))
        );
        assert_eq!(
            parse_var("uri=a=b"),
            Ok(("uri".to_owned(), "a=b".to_owned()))
        );
        assert!(parse_var("count").is_err());
        assert!(parse_var("=3").is_err());
    }
}
