//! A small min-cost flow (successive shortest paths with a queue-based Bellman–Ford), sized for
//! splitting one team's files among its members: tens of nodes, a few hundred arcs.
//!
//! Costs are integers, so the optimum is exact and the same on every machine.

use std::collections::VecDeque;

const NONE: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: usize,
    next: usize,
    capacity: i64,
    cost: i64,
    /// Convex arcs: the k-th unit through the arc costs `cost + convex·(2k−1)`. Stored on
    /// both twins; the twin refunds the last unit.
    convex: i64,
}

/// A reusable network; `reset` keeps the allocations between teams.
#[derive(Debug, Default)]
pub struct MinCostFlow {
    head: Vec<usize>,
    arcs: Vec<Arc>,
    distance: Vec<i64>,
    queued: Vec<bool>,
    via: Vec<usize>,
    queue: VecDeque<usize>,
}

impl MinCostFlow {
    pub fn reset(&mut self, nodes: usize) {
        self.head.clear();
        self.head.resize(nodes, NONE);
        self.arcs.clear();
    }

    pub fn add_node(&mut self) -> usize {
        self.head.push(NONE);
        self.head.len() - 1
    }

    /// Adds an arc and its residual twin; returns the arc's id for [`MinCostFlow::flow_on`].
    pub fn add_arc(&mut self, from: usize, to: usize, capacity: i64, cost: i64) -> usize {
        self.add_convex_arc(from, to, capacity, cost, 0)
    }

    /// An arc whose k-th unit costs `cost + convex·(2k−1)` (so n units cost
    /// `cost·n + convex·n²`): one arc instead of n parallel ones.
    pub fn add_convex_arc(
        &mut self,
        from: usize,
        to: usize,
        capacity: i64,
        cost: i64,
        convex: i64,
    ) -> usize {
        let id = self.arcs.len();
        let from_head = self.head.get(from).copied().unwrap_or(NONE);
        let to_head = self.head.get(to).copied().unwrap_or(NONE);
        self.arcs.push(Arc {
            to,
            next: from_head,
            capacity,
            cost,
            convex,
        });
        self.arcs.push(Arc {
            to: from,
            next: to_head,
            capacity: 0,
            cost: -cost,
            convex,
        });
        if let Some(slot) = self.head.get_mut(from) {
            *slot = id;
        }
        if let Some(slot) = self.head.get_mut(to) {
            *slot = id + 1;
        }
        id
    }

    /// Flow sent along an arc made by [`MinCostFlow::add_arc`].
    pub fn flow_on(&self, arc: usize) -> i64 {
        self.arcs.get(arc ^ 1).map_or(0, |twin| twin.capacity)
    }

    /// Sends as much flow as possible (at most `limit`) from `source` to `sink` at least cost.
    /// Returns (flow, cost). Arc costs may be negative only on residual twins.
    pub fn run(&mut self, source: usize, sink: usize, limit: i64) -> (i64, i64) {
        let nodes = self.head.len();
        let mut flow = 0;
        let mut cost = 0;
        while flow < limit {
            if !self.shortest_path(source, nodes) {
                break;
            }
            let Some(path_cost) = self.distance.get(sink).copied() else {
                break;
            };
            if path_cost == i64::MAX {
                break;
            }
            let mut push = limit - flow;
            let mut node = sink;
            while node != source {
                let arc_id = self.via.get(node).copied().unwrap_or(NONE);
                let Some(arc) = self.arcs.get(arc_id) else {
                    return (flow, cost);
                };
                push = push.min(arc.capacity);
                if arc.convex != 0 {
                    // The price changes after one unit.
                    push = push.min(1);
                }
                node = self.arcs.get(arc_id ^ 1).map_or(source, |twin| twin.to);
            }
            let mut node = sink;
            while node != source {
                let arc_id = self.via.get(node).copied().unwrap_or(NONE);
                if let Some(arc) = self.arcs.get_mut(arc_id) {
                    arc.capacity -= push;
                }
                if let Some(twin) = self.arcs.get_mut(arc_id ^ 1) {
                    twin.capacity += push;
                    node = twin.to;
                } else {
                    break;
                }
            }
            flow += push;
            cost += push * path_cost;
        }
        (flow, cost)
    }

    /// The cost of the next unit through a residual arc (convex arcs depend on their flow).
    fn unit_cost(&self, arc_id: usize) -> i64 {
        let Some(arc) = self.arcs.get(arc_id) else {
            return 0;
        };
        if arc.convex == 0 {
            return arc.cost;
        }
        // Flow on the forward arc is its twin's capacity; on a twin, its own capacity.
        let forward = arc_id & 1 == 0;
        let flow = if forward {
            self.arcs.get(arc_id ^ 1).map_or(0, |twin| twin.capacity)
        } else {
            arc.capacity
        };
        if forward {
            arc.cost + arc.convex * (2 * flow + 1)
        } else {
            arc.cost - arc.convex * (2 * flow - 1)
        }
    }

    /// Bellman–Ford with a queue from `source` over arcs with spare capacity. Returns whether
    /// the sink side was relaxed at all (the caller checks the sink's distance).
    fn shortest_path(&mut self, source: usize, nodes: usize) -> bool {
        self.distance.clear();
        self.distance.resize(nodes, i64::MAX);
        self.queued.clear();
        self.queued.resize(nodes, false);
        self.via.clear();
        self.via.resize(nodes, NONE);
        self.queue.clear();
        if let Some(d) = self.distance.get_mut(source) {
            *d = 0;
        }
        self.queue.push_back(source);
        let mut reached = false;
        while let Some(node) = self.queue.pop_front() {
            if let Some(q) = self.queued.get_mut(node) {
                *q = false;
            }
            let base = self.distance.get(node).copied().unwrap_or(i64::MAX);
            let mut arc_id = self.head.get(node).copied().unwrap_or(NONE);
            while let Some(arc) = self.arcs.get(arc_id) {
                let next = arc.next;
                if arc.capacity > 0 {
                    let candidate = base.saturating_add(self.unit_cost(arc_id));
                    if let Some(d) = self.distance.get_mut(arc.to)
                        && candidate < *d
                    {
                        *d = candidate;
                        reached = true;
                        if let Some(v) = self.via.get_mut(arc.to) {
                            *v = arc_id;
                        }
                        if let Some(q) = self.queued.get_mut(arc.to)
                            && !*q
                        {
                            *q = true;
                            self.queue.push_back(arc.to);
                        }
                    }
                }
                arc_id = next;
            }
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convex_arcs_spread_the_flow() {
        // Two workers, four jobs; each extra job costs more (1, 3, 5, 7): 2 + 2 is cheapest.
        let mut net = MinCostFlow::default();
        net.reset(4);
        let (source, jobs, sink) = (0, 1, 3);
        net.add_arc(source, jobs, 4, 0);
        let worker_a = 2;
        let worker_b = net.add_node();
        net.add_arc(jobs, worker_a, 4, 0);
        net.add_arc(jobs, worker_b, 4, 0);
        for worker in [worker_a, worker_b] {
            for step in 1..=4 {
                net.add_arc(worker, sink, 1, 2 * step - 1);
            }
        }
        assert_eq!(net.run(source, sink, 10), (4, 8));
    }

    #[test]
    fn a_convex_arc_equals_its_parallel_arcs() {
        // Worker a is cheaper per job (cost 0) than b (cost 3), both convex with weight 1.
        for jobs in 0..8 {
            let mut convex = MinCostFlow::default();
            convex.reset(5);
            convex.add_arc(0, 1, jobs, 0);
            convex.add_arc(1, 2, jobs, 0);
            convex.add_arc(1, 3, jobs, 3);
            convex.add_convex_arc(2, 4, 6, 0, 1);
            convex.add_convex_arc(3, 4, 6, 0, 1);
            let mut parallel = MinCostFlow::default();
            parallel.reset(5);
            parallel.add_arc(0, 1, jobs, 0);
            parallel.add_arc(1, 2, jobs, 0);
            parallel.add_arc(1, 3, jobs, 3);
            for k in 1..=6 {
                parallel.add_arc(2, 4, 1, 2 * k - 1);
                parallel.add_arc(3, 4, 1, 2 * k - 1);
            }
            assert_eq!(
                convex.run(0, 4, 100),
                parallel.run(0, 4, 100),
                "{jobs} jobs"
            );
        }
    }
}
