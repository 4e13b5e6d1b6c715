//! `check_nodes`' one pass against a plain reading of its rules, on random
//! trees, valid and broken, through both compiled copies.

use super::{check_nodes, scan_body, scan_nodes, TNode, MISSING_LEFT};

/// A small deterministic generator (no test dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n.max(1)
    }
}

fn leaf(i: u32) -> TNode {
    TNode {
        left: i,
        right: i,
        feature: 0,
        threshold: 0.0,
    }
}

/// A valid tree of about `splits` splits, grown breadth-first.
fn grow(g: &mut Lcg, splits: u32) -> Vec<TNode> {
    let mut nodes = vec![leaf(0)];
    let mut open = vec![0usize];
    let mut made = 0;
    while let Some(k) = open.pop() {
        if made >= splits {
            break;
        }
        let (l, r) = (nodes.len() as u32, nodes.len() as u32 + 1);
        nodes.push(leaf(l));
        nodes.push(leaf(r));
        let nan_left = if g.below(3) == 0 { MISSING_LEFT } else { 0 };
        nodes[k] = TNode {
            left: l,
            right: r,
            feature: g.below(40) | nan_left,
            threshold: 0.5,
        };
        made += 1;
        open.insert(0, l as usize);
        open.insert(0, r as usize);
    }
    nodes
}

/// The rules as written in `check_nodes`' documentation.
fn plain(nodes: &[TNode]) -> (bool, bool, usize) {
    let n = nodes.len();
    let mut ok = true;
    let (mut miss, mut feat) = (false, 0usize);
    for (i, nd) in nodes.iter().enumerate() {
        let (l, r) = (nd.left as usize, nd.right as usize);
        if l == r {
            ok &= l == i;
        } else {
            ok &= l > i && r > i && l < n && r < n;
            miss |= nd.feature & MISSING_LEFT != 0;
            feat = feat.max((nd.feature & !MISSING_LEFT) as usize + 1);
        }
    }
    (ok, miss, feat)
}

#[test]
fn scan_copies_agree() {
    let mut g = Lcg(7);
    let mut seen = [0u32; 2];
    for round in 0..3000u32 {
        let splits = g.below(60);
        let mut nodes = grow(&mut g, splits);
        // break some: a child moved anywhere (behind, out of range, onto a
        // sibling), or a leaf pointed elsewhere
        if round % 2 == 1 {
            let k = g.below(nodes.len() as u32) as usize;
            let to = match g.below(4) {
                0 => g.below(nodes.len() as u32),
                1 => nodes.len() as u32 + g.below(3),
                2 => u32::MAX - g.below(2),
                _ => k as u32,
            };
            if g.below(2) == 0 {
                nodes[k].left = to;
            } else {
                nodes[k].right = to;
            }
        }
        let want = plain(&nodes);
        seen[usize::from(want.0)] += 1;
        for scan in [scan_body(&nodes), scan_nodes(&nodes)] {
            assert_eq!(
                (scan.all_ok, scan.missing_left, scan.features),
                want,
                "round {round}: {nodes:?}"
            );
        }
        match check_nodes(&nodes) {
            Ok(c) => {
                assert!(want.0, "round {round}: accepted a broken tree");
                assert_eq!((c.missing_left, c.features), (want.1, want.2));
            }
            Err(why) => {
                assert!(!want.0, "round {round}: refused a valid tree: {why}");
                assert!(why.starts_with("node "), "{why}");
            }
        }
    }
    assert!(seen[0] > 1000 && seen[1] > 1000, "valid/broken: {seen:?}");
}

#[test]
fn broken_trees_are_named_by_node() {
    // a split whose child points back at it
    let mut nodes = vec![leaf(0), leaf(1), leaf(2)];
    nodes[0] = TNode {
        left: 1,
        right: 0,
        feature: 3,
        threshold: 0.0,
    };
    let why = check_nodes(&nodes).map(|_| ()).unwrap_err();
    assert_eq!(why, "node 0: children (1, 0) out of range");
    // a leaf that points at another node
    let nodes = vec![leaf(1), leaf(1)];
    let why = check_nodes(&nodes).map(|_| ()).unwrap_err();
    assert_eq!(why, "node 0: children (1, 1) out of range");
    assert_eq!(check_nodes(&[]).map(|_| ()).unwrap_err(), "0 nodes");
}
