//! The dependency graph of a stack: an edge from each resource to those that
//! reference it. It knows nothing of AWS.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Stack, StackError};

/// A stack's resources in dependency order.
#[derive(Debug)]
pub struct Graph<'a> {
    graph: DiGraph<&'a str, ()>,
    order: Vec<&'a str>,
}

impl<'a> Graph<'a> {
    /// The graph of `stack`'s references and `depends_on` edges; an error naming
    /// the whole chain when they form a cycle.
    pub fn of(stack: &'a Stack) -> Result<Self, StackError> {
        Self::from_edges(stack.resources().iter().map(|resource| {
            (
                resource.name(),
                resource.dependencies().into_iter().collect::<Vec<_>>(),
            )
        }))
    }

    /// The graph of `(node, its dependencies)` pairs; dependencies that are not
    /// nodes themselves are ignored.
    pub fn from_edges(
        nodes: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
    ) -> Result<Self, StackError> {
        let nodes: Vec<_> = nodes.into_iter().collect();
        let mut graph = DiGraph::new();
        let index: BTreeMap<&str, NodeIndex> = nodes
            .iter()
            .map(|(name, _)| (*name, graph.add_node(*name)))
            .collect();
        for (name, dependencies) in &nodes {
            for dependency in dependencies {
                if let Some(&from) = index.get(dependency) {
                    graph.add_edge(from, index[name], ());
                }
            }
        }
        let order = stable_order(&graph).ok_or_else(|| StackError::Cycle(find_cycle(&graph)))?;
        Ok(Graph { graph, order })
    }

    /// Every resource, each after all it depends on.
    pub fn order(&self) -> &[&'a str] {
        &self.order
    }

    /// The resources that `name` depends on directly.
    pub fn dependencies(&self, name: &str) -> Vec<&'a str> {
        self.neighbors(name, petgraph::Direction::Incoming)
    }

    /// The resources that depend directly on `name`.
    pub fn dependents(&self, name: &str) -> Vec<&'a str> {
        self.neighbors(name, petgraph::Direction::Outgoing)
    }

    fn neighbors(&self, name: &str, direction: petgraph::Direction) -> Vec<&'a str> {
        self.graph
            .node_indices()
            .find(|&i| self.graph[i] == name)
            .map(|i| {
                let mut found: Vec<_> = self
                    .graph
                    .neighbors_directed(i, direction)
                    .map(|n| self.graph[n])
                    .collect();
                found.sort_unstable();
                found
            })
            .unwrap_or_default()
    }
}

/// The stack's graph in Graphviz DOT: one box per resource (name and type),
/// an arrow from each resource to what it depends on.
///
/// ```
/// let mut builder = infra_core::Stack::builder("demo", "eu-west-2");
/// builder.resource("vpc", "ec2::Vpc")?.set("cidr_block", "10.0.0.0/16");
/// let dot = infra_core::graph::to_dot(&builder.build()?);
/// assert!(dot.starts_with("digraph \"demo\" {"));
/// # Ok::<(), infra_core::StackError>(())
/// ```
pub fn to_dot(stack: &Stack) -> String {
    let mut out = format!("digraph {} {{\n", quoted(stack.name()));
    out.push_str("  rankdir = \"RL\";\n  node [shape = box, fontname = \"Helvetica\"];\n");
    for resource in stack.resources() {
        out.push_str(&format!(
            "  {} [label = \"{}\\n{}\"];\n",
            quoted(resource.name()),
            resource.name(),
            resource.schema().path
        ));
    }
    for resource in stack.resources() {
        let hidden = resource.hidden_dependencies();
        for dependency in resource.dependencies() {
            // AWS's hidden orderings are dashed: no field shows them.
            let style = if hidden.contains(dependency) {
                " [style = dashed]"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {} -> {}{style};\n",
                quoted(resource.name()),
                quoted(dependency)
            ));
        }
    }
    out.push_str("}\n");
    out
}

/// The stack's graph as a Mermaid flowchart, for Markdown that renders it.
///
/// ```
/// let mut builder = infra_core::Stack::builder("demo", "eu-west-2");
/// builder.resource("vpc", "ec2::Vpc")?.set("cidr_block", "10.0.0.0/16");
/// let mermaid = infra_core::graph::to_mermaid(&builder.build()?);
/// assert!(mermaid.contains("vpc[\"vpc<br/>ec2::Vpc\"]"));
/// # Ok::<(), infra_core::StackError>(())
/// ```
pub fn to_mermaid(stack: &Stack) -> String {
    let mut out = String::from("flowchart RL\n");
    for resource in stack.resources() {
        out.push_str(&format!(
            "  {}[\"{}<br/>{}\"]\n",
            resource.name(),
            resource.name(),
            resource.schema().path
        ));
    }
    for resource in stack.resources() {
        let hidden = resource.hidden_dependencies();
        for dependency in resource.dependencies() {
            let arrow = if hidden.contains(dependency) {
                "-.->"
            } else {
                "-->"
            };
            out.push_str(&format!("  {} {arrow} {dependency}\n", resource.name()));
        }
    }
    out
}

/// A DOT identifier: always quoted, so any resource name is safe.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A topological order that keeps declaration order wherever dependencies allow
/// (Kahn's algorithm, always taking the earliest-declared ready node), so plans
/// read in the order the stack is written; `None` when there is a cycle.
fn stable_order<'a>(graph: &DiGraph<&'a str, ()>) -> Option<Vec<&'a str>> {
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|i| {
            graph
                .neighbors_directed(i, petgraph::Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = graph
        .node_indices()
        .filter(|i| waiting[i.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(graph[node]);
        for next in graph.neighbors(node) {
            waiting[next.index()] -= 1;
            if waiting[next.index()] == 0 {
                ready.push(Reverse(next));
            }
        }
    }
    (order.len() == graph.node_count()).then_some(order)
}

/// One cycle of the graph, as the chain `a -> b -> … -> a`.
fn find_cycle(graph: &DiGraph<&str, ()>) -> Vec<String> {
    let Some(component) = tarjan_scc(graph)
        .into_iter()
        .find(|c| c.len() > 1 || graph.contains_edge(c[0], c[0]))
    else {
        return Vec::new();
    };
    // Walk inside the strongly connected component until a node repeats.
    let mut chain = vec![component[0]];
    loop {
        let last = chain[chain.len() - 1];
        let Some(next) = graph
            .neighbors(last)
            .filter(|n| component.contains(n))
            .min_by_key(|n| graph[*n])
        else {
            break;
        };
        if let Some(start) = chain.iter().position(|&n| n == next) {
            let mut cycle: Vec<String> = chain[start..]
                .iter()
                .map(|&n| graph[n].to_owned())
                .collect();
            cycle.push(graph[next].to_owned());
            return cycle;
        }
        chain.push(next);
    }
    chain.iter().map(|&n| graph[n].to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first() {
        let graph =
            Graph::from_edges([("subnet", vec!["vpc"]), ("vpc", vec![]), ("table", vec![])])
                .expect("acyclic");
        assert_eq!(
            graph.order(),
            ["vpc", "subnet", "table"],
            "declaration order where possible"
        );
        assert_eq!(graph.dependents("vpc"), ["subnet"]);
        assert_eq!(graph.dependencies("subnet"), ["vpc"]);
    }

    #[test]
    fn exports_dot_and_mermaid() {
        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.0.0.0/16");
        builder
            .resource("subnet", "ec2::Subnet")
            .expect("in catalog")
            .set(
                "vpc_id",
                crate::types::Ref::<crate::types::ec2::VpcId>::new("vpc", "id"),
            )
            .set("cidr_block", "10.0.1.0/24");
        let stack = builder.build().expect("valid");
        let dot = to_dot(&stack);
        assert!(
            dot.contains("  \"subnet\" [label = \"subnet\\nec2::Subnet\"];\n"),
            "{dot}"
        );
        assert!(dot.contains("  \"subnet\" -> \"vpc\";\n"), "{dot}");
        assert!(dot.ends_with("}\n"));
        let mermaid = to_mermaid(&stack);
        assert!(mermaid.starts_with("flowchart RL\n"), "{mermaid}");
        assert!(mermaid.contains("  subnet --> vpc\n"), "{mermaid}");
    }

    #[test]
    fn names_the_whole_cycle() {
        let error = Graph::from_edges([
            ("a", vec!["c"]),
            ("b", vec!["a"]),
            ("c", vec!["b"]),
            ("d", vec!["a"]),
        ])
        .expect_err("must be refused");
        let StackError::Cycle(chain) = error else {
            panic!("a cycle")
        };
        assert_eq!(chain.len(), 4, "{chain:?}");
        assert_eq!(chain.first(), chain.last());
        for name in ["a", "b", "c"] {
            assert!(chain.contains(&name.to_owned()));
        }
    }
}
