//! REDUCE and BUILD: which calls are lowered (numpy helpers, builtins,
//! `copyreg._reconstructor`) and which stay `Call` nodes for the policy.

use super::*;

impl<'a> Vm<'a> {
    /// REDUCE: lower numpy and builtin helpers, keep everything else as a `Call`.
    pub(super) fn reduce(&mut self, func: NodeId, args: NodeId) -> Result<NodeId, PickleError> {
        let Some(g) = self.global_copy(func)? else {
            let what = match self.node(func) {
                Node::Call { func: f, .. } => format!("the result of calling {f}"),
                Node::Object { class, .. } => format!("an instance of {class}"),
                other => format!("a {}", other.kind_name()),
            };
            return Err(self.refused(format!(
                "REDUCE calls {what}; only named, allowed globals may be called (a code-execution pattern)"
            )));
        };
        let args = self.tuple_items(args, "REDUCE arguments")?;
        let m = g.module.as_str();
        let n = g.name.as_str();
        match (m, n) {
            ("numpy", "dtype") | ("numpy._core.multiarray", "dtype") => self.start_dtype(&args),
            ("numpy._core.multiarray", "_reconstruct") => self.start_reconstruct(&args),
            ("numpy._core.numeric", "_frombuffer") => self.lower_frombuffer(&args),
            ("numpy._core.multiarray", "scalar") => self.lower_scalar(&args),
            ("copyreg", "_reconstructor") => {
                // copyreg._reconstructor(cls, object, None) == cls.__new__(cls)
                if args.len() != 3 {
                    return Err(self.malformed("copyreg._reconstructor takes 3 arguments"));
                }
                let cls = self.global_copy(args[0])?;
                let base_ok = self
                    .global_of(args[1])
                    .is_some_and(|b| b.is("builtins", "object"));
                let state_none = matches!(self.node(args[2]), Node::None);
                match cls {
                    Some(class) if base_ok && state_none => self.add(Node::Object {
                        class,
                        args: Vec::new(),
                        state: None,
                        items: Vec::new(),
                    }),
                    _ => Err(self.refused(
                        "copyreg._reconstructor is accepted only as (class, object, None)",
                    )),
                }
            }
            ("collections", "OrderedDict") if args.is_empty() => self.add(Node::Object {
                class: g,
                args,
                state: None,
                items: Vec::new(),
            }),
            ("builtins", "set") | ("builtins", "frozenset") => {
                let items = match args.as_slice() {
                    [] => Vec::new(),
                    [a] => {
                        let a = *a;
                        let n = match self.node(a) {
                            Node::List(v) | Node::Tuple(v) => v.len(),
                            _ => return Err(self.malformed("set() argument must be a list")),
                        };
                        self.charge_ids(n, "set items")?;
                        match self.node(a) {
                            Node::List(v) | Node::Tuple(v) => v.clone(),
                            _ => Vec::new(),
                        }
                    }
                    _ => return Err(self.malformed("set() takes one argument")),
                };
                let node = if n == "set" {
                    Node::Set(items)
                } else {
                    Node::FrozenSet(items)
                };
                self.add(node)
            }
            ("builtins", "bytearray") => {
                let data = match args.as_slice() {
                    [] => Vec::new(),
                    [a] => {
                        let a = *a;
                        let n = match self.node(a) {
                            Node::Bytes(b) => b.len(),
                            _ => return Err(self.malformed("bytearray() argument must be bytes")),
                        };
                        self.charge(n as u64, "bytearray")?;
                        match self.node(a) {
                            Node::Bytes(b) => b.clone(),
                            _ => Vec::new(),
                        }
                    }
                    _ => return Err(self.malformed("bytearray() takes one argument")),
                };
                self.add(Node::ByteArray(data))
            }
            ("_codecs", "encode") => {
                let (Some(s), Some(enc)) = (
                    args.first().and_then(|&a| self.str_of(a)),
                    args.get(1).and_then(|&a| self.str_of(a)),
                ) else {
                    return Err(self.malformed("_codecs.encode needs (str, 'latin1')"));
                };
                if enc != "latin1" && enc != "latin-1" {
                    return Err(self.refused(format!("_codecs.encode with encoding {enc:?}")));
                }
                let mut out = Vec::with_capacity(s.len());
                for ch in s.chars() {
                    let c = ch as u32;
                    if c > 0xff {
                        return Err(self.malformed("_codecs.encode latin1 of a non-latin1 string"));
                    }
                    out.push(c as u8);
                }
                self.add(Node::Bytes(out))
            }
            _ => self.add(Node::Call {
                func: g,
                args,
                state: None,
            }),
        }
    }

    /// `collections.deque` and `collections.defaultdict` pickle as a call
    /// (`deque((), maxlen)`, `defaultdict(factory)`) followed by APPENDS /
    /// SETITEMS on its result. The items are gathered in a list (dict) node
    /// that becomes the call's first (second) argument: `deque(items, maxlen)`
    /// and `defaultdict(factory, items)` build the object pickle builds, and
    /// the policy checks the call with its items (`Schema::Deque`,
    /// `Schema::DefaultDict`). `None` for every other node.
    pub(super) fn call_items(
        &mut self,
        call: NodeId,
        list: bool,
    ) -> Result<Option<NodeId>, PickleError> {
        if let Some(&c) = self.call_items.get(&call) {
            return Ok(Some(c));
        }
        let Node::Call {
            func,
            args,
            state: None,
        } = self.node(call)
        else {
            return Ok(None);
        };
        let deque = func.is("collections", "deque");
        if !(if list {
            deque
        } else {
            func.is("collections", "defaultdict")
        }) {
            return Ok(None);
        }
        let args = args.clone();
        let empty = |n: &Node| matches!(n, Node::Tuple(v) | Node::List(v) if v.is_empty());
        let new_args = if deque {
            match args.as_slice() {
                [] => {
                    let c = self.add(Node::List(Vec::new()))?;
                    vec![c]
                }
                [a, rest @ ..] if rest.len() <= 1 && empty(self.node(*a)) => {
                    let c = self.add(Node::List(Vec::new()))?;
                    let mut v = vec![c];
                    v.extend_from_slice(rest);
                    v
                }
                _ => {
                    return Err(self.refused(
                        "APPENDS on a deque made with items or more than (iterable, maxlen): \
                         pickle writes deque((), maxlen) and then the items",
                    ))
                }
            }
        } else {
            match args.as_slice() {
                [] => {
                    let f = self.add(Node::None)?;
                    let c = self.add(Node::Dict(Vec::new()))?;
                    vec![f, c]
                }
                [f] => {
                    let c = self.add(Node::Dict(Vec::new()))?;
                    vec![*f, c]
                }
                _ => {
                    return Err(self.refused(
                        "SETITEMS on a defaultdict made with more than its default factory: \
                         pickle writes defaultdict(factory) and then the items",
                    ))
                }
            }
        };
        let c = new_args[if deque { 0 } else { 1 }];
        if let Node::Call { args, .. } = &mut self.nodes[call as usize] {
            *args = new_args;
        }
        self.call_items.insert(call, c);
        Ok(Some(c))
    }

    /// BUILD: set the state of an object made in the stream, or finish a numpy lowering.
    pub(super) fn build(&mut self, obj: NodeId, state: NodeId) -> Result<(), PickleError> {
        if self.finish_numpy(obj, state)? || self.lower_frozen_distribution(obj, state)? {
            return Ok(());
        }
        match &mut self.nodes[obj as usize] {
            Node::Object {
                state: s @ None, ..
            }
            | Node::Call {
                state: s @ None, ..
            } => {
                *s = Some(state);
                Ok(())
            }
            Node::Object { .. } | Node::Call { .. } => {
                Err(self.refused("a second BUILD on the same object"))
            }
            Node::Global(g) => {
                let g = g.clone();
                Err(self.refused(format!(
                    "BUILD on the global {g} (it would act as setattr on a module-level object)"
                )))
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!("BUILD on a {k}")))
            }
        }
    }
}
