//! What the command line prints: plans in colour, progress while applying, and
//! a clean line per event when nobody watches a terminal.
//!
//! Colours go through `anstream`, which drops them when `NO_COLOR` is set, when
//! the output is not a terminal, or when the terminal cannot show them.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Action, Event};

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const MAGENTA: Style = AnsiColor::Magenta.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// Whether colours and live progress may be drawn on standard output.
pub(super) fn interactive() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |term| term != "dumb")
}

/// Prints `text` on standard output, colours stripped where they cannot show.
pub(super) fn print(text: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Prints `text` on standard error, colours stripped where they cannot show.
pub(super) fn eprint(text: &str) {
    let mut out = anstream::stderr();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `text` in `style`.
pub(super) fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// A rendered plan, each line coloured by its action symbol as Terraform does.
pub(super) fn colour_plan(plan: &str) -> String {
    let mut out = String::with_capacity(plan.len() + 256);
    for line in plan.lines() {
        let trimmed = line.trim_start();
        let style = if trimmed.starts_with("-/+") || trimmed.starts_with("+/-") {
            Some(MAGENTA)
        } else if trimmed.starts_with('+') {
            Some(GREEN)
        } else if trimmed.starts_with('-') {
            Some(RED)
        } else if trimmed.starts_with('~') {
            Some(YELLOW)
        } else if trimmed.starts_with("Plan:") || trimmed.starts_with("No changes.") {
            Some(BOLD)
        } else if trimmed.starts_with('#') {
            Some(DIM)
        } else {
            None
        };
        match style {
            Some(style) => out.push_str(&styled(style, line)),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Shows an apply's events: on a terminal, one live line per resource in
/// flight with its elapsed time, and a line per finished one above them;
/// elsewhere (CI logs, pipes) one plain line per event.
pub(super) struct Progress {
    bars: Option<(MultiProgress, Mutex<BTreeMap<String, ProgressBar>>)>,
}

impl Progress {
    /// Progress for this process's standard output.
    pub(super) fn new() -> Self {
        let bars = interactive().then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
                Mutex::new(BTreeMap::new()),
            )
        });
        Progress { bars }
    }

    /// Shows one event.
    pub(super) fn show(&self, event: &Event) {
        let Some((multi, bars)) = &self.bars else {
            println!("{}", plain(event));
            return;
        };
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Started { resource, action } => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner:.cyan} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(format!("{resource}: {}...", progressive(*action)));
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(resource.clone(), bar);
            }
            // The spinner's clock already shows it; kinds of events this version
            // does not know are left to the plain log.
            Event::Progress { .. } => {}
            Event::Finished { resource, .. } | Event::Failed { resource, .. } => {
                if let Some(bar) = bars.remove(resource) {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                let line = match event {
                    Event::Failed { .. } => styled(RED, &plain(event)),
                    _ => format!("{} {}", styled(GREEN, "✓"), plain(event)),
                };
                // Interactive, so the terminal shows colours.
                let _ = multi.println(line);
            }
            _ => {}
        }
    }
}

/// One event as a plain log line.
pub(super) fn plain(event: &Event) -> String {
    match event {
        Event::Started { resource, action } => format!("{resource}: {}...", progressive(*action)),
        Event::Progress {
            resource,
            action,
            elapsed,
        } => format!(
            "{resource}: Still {}... [{}s elapsed]",
            progressive(*action).to_lowercase(),
            elapsed.as_secs()
        ),
        Event::Finished {
            resource,
            action,
            id,
            elapsed,
        } => {
            let id = if id.is_empty() {
                String::new()
            } else {
                format!(" [id={id}]")
            };
            format!(
                "{resource}: {} complete after {:.1}s{id}",
                noun(*action),
                elapsed.as_secs_f64()
            )
        }
        Event::Failed {
            resource,
            action,
            error,
        } => format!("{resource}: {} failed: {error}", noun(*action)),
        other => format!("{other:?}"),
    }
}

fn progressive(action: Action) -> &'static str {
    match action {
        Action::Create | Action::Replace => "Creating",
        Action::Update => "Modifying",
        Action::Delete => "Destroying",
        Action::NoOp => "Reading",
    }
}

fn noun(action: Action) -> &'static str {
    match action {
        Action::Create | Action::Replace => "Creation",
        Action::Update => "Modifications",
        Action::Delete => "Destruction",
        Action::NoOp => "Read",
    }
}
