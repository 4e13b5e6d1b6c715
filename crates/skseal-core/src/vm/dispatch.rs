//! The opcode loop: one handler per opcode family.

use super::literals::latin1;
use super::opcodes::*;
use super::*;

impl<'a> Vm<'a> {
    pub(super) fn run(&mut self) -> Result<NodeId, PickleError> {
        loop {
            self.op_pos = self.pos;
            if self.pos >= self.data.len() {
                return Err(PickleError::NoStop);
            }
            let op = self.data[self.pos];
            self.pos += 1;
            self.op = op;
            match op {
                STOP => return self.stop(),
                PROTO | FRAME | MARK | POP | POP_MARK | DUP => self.op_stack(op)?,
                NONE | NEWTRUE | NEWFALSE | BININT | BININT1 | BININT2 | INT | LONG | LONG1
                | LONG4 | FLOAT | BINFLOAT => self.op_number(op)?,
                STRING | BINSTRING | SHORT_BINSTRING | UNICODE | BINUNICODE | SHORT_BINUNICODE
                | BINUNICODE8 | BINBYTES | SHORT_BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                    self.op_text(op)?
                }
                EMPTY_TUPLE | TUPLE | TUPLE1 | TUPLE2 | TUPLE3 | EMPTY_LIST | LIST | EMPTY_DICT
                | DICT | EMPTY_SET | FROZENSET | APPEND | APPENDS | SETITEM | SETITEMS
                | ADDITEMS => self.op_container(op)?,
                PUT | BINPUT | LONG_BINPUT | MEMOIZE | GET | BINGET | LONG_BINGET => {
                    self.op_memo(op)?
                }
                GLOBAL | STACK_GLOBAL | REDUCE | NEWOBJ | NEWOBJ_EX | INST | OBJ | BUILD => {
                    self.op_object(op)?
                }
                PERSID | BINPERSID | EXT1 | EXT2 | EXT4 | NEXT_BUFFER | READONLY_BUFFER => {
                    self.op_outside(op)?
                }
                _ => return Err(self.unknown_opcode()),
            }
        }
    }

    fn unknown_opcode(&self) -> PickleError {
        PickleError::UnknownOpcode {
            opcode: self.op,
            offset: self.op_pos,
        }
    }

    /// STOP: the value on top of the stack is the result.
    fn stop(&mut self) -> Result<NodeId, PickleError> {
        let v = self.pop()?;
        if self.nested == 0 && self.opts.strict_end && self.pos != self.data.len() {
            return Err(PickleError::TrailingData {
                offset: self.pos,
                extra: self.data.len() - self.pos,
            });
        }
        Ok(v)
    }

    /// Protocol, framing, marks and plain stack moves.
    fn op_stack(&mut self, op: u8) -> Result<(), PickleError> {
        match op {
            PROTO => {
                let p = self.u8()?;
                if p > 5 {
                    return Err(self.malformed(format!("unsupported pickle protocol {p}")));
                }
            }
            FRAME => {
                let n = self.u64()?;
                if n > (self.data.len() - self.pos) as u64 {
                    return Err(PickleError::Truncated {
                        offset: self.pos,
                        what: "a frame",
                        needed: (n - (self.data.len() - self.pos) as u64) as usize,
                    });
                }
                self.frame_end = Some(self.pos + n as usize);
            }
            MARK => {
                if self.metastack.len() >= self.opts.limits.max_mark_depth {
                    return Err(PickleError::Limit {
                        offset: self.op_pos,
                        why: format!(
                            "MARK nesting deeper than {}",
                            self.opts.limits.max_mark_depth
                        ),
                    });
                }
                let s = std::mem::take(&mut self.stack);
                self.metastack.push(s);
            }
            POP => {
                self.pop()?;
            }
            POP_MARK => {
                self.pop_mark()?;
            }
            DUP => {
                let v = self.top()?;
                self.note_wrapper_reference(v, "DUP")?;
                self.push(v)?;
            }
            _ => return Err(self.unknown_opcode()),
        }
        Ok(())
    }

    /// None, booleans, integers and floats.
    fn op_number(&mut self, op: u8) -> Result<(), PickleError> {
        let node = match op {
            NONE => Node::None,
            NEWTRUE => Node::Bool(true),
            NEWFALSE => Node::Bool(false),
            BININT1 => Node::Int(self.u8()? as i64),
            BININT2 => Node::Int(self.u16()? as i64),
            BININT => Node::Int(self.u32()? as i32 as i64),
            INT => {
                let l = self.line_str()?;
                match l {
                    "00" => Node::Bool(false),
                    "01" => Node::Bool(true),
                    _ => self.parse_decimal(l)?,
                }
            }
            LONG => {
                let l = self.line_str()?;
                self.parse_decimal(l.strip_suffix('L').unwrap_or(l))?
            }
            LONG1 => {
                let n = self.u8()? as usize;
                let b = self.take(n, "LONG1 bytes")?;
                self.long_from_bytes(b)?
            }
            LONG4 => {
                let n = self.u32()? as i32;
                if n < 0 {
                    return Err(self.malformed("negative LONG4 length"));
                }
                let n = n as usize;
                if n > self.opts.limits.max_int_bytes {
                    return Err(PickleError::Limit {
                        offset: self.op_pos,
                        why: format!(
                            "integer of {n} bytes (limit {})",
                            self.opts.limits.max_int_bytes
                        ),
                    });
                }
                let b = self.take(n, "LONG4 bytes")?;
                self.long_from_bytes(b)?
            }
            FLOAT => {
                let l = self.line_str()?;
                let v: f64 = l
                    .trim()
                    .parse()
                    .map_err(|_| self.malformed(format!("bad float {l:?}")))?;
                Node::Float(v)
            }
            BINFLOAT => {
                let b = self.take(8, "BINFLOAT")?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Node::Float(f64::from_be_bytes(a))
            }
            _ => return Err(self.unknown_opcode()),
        };
        self.push_new(node)
    }

    /// Strings, bytes and bytearrays.
    fn op_text(&mut self, op: u8) -> Result<(), PickleError> {
        let node = match op {
            STRING => {
                let l = self.line()?;
                let bytes = self.py_string_literal(l)?;
                Node::Str(latin1(&bytes))
            }
            BINSTRING => {
                let n = self.u32()? as i32;
                if n < 0 {
                    return Err(self.malformed("negative BINSTRING length"));
                }
                let b = self.take(n as usize, "BINSTRING bytes")?;
                Node::Str(latin1(b))
            }
            SHORT_BINSTRING => {
                let n = self.u8()? as usize;
                let b = self.take(n, "SHORT_BINSTRING bytes")?;
                Node::Str(latin1(b))
            }
            UNICODE => {
                let l = self.line()?;
                Node::Str(self.raw_unicode_escape(l)?)
            }
            BINUNICODE | SHORT_BINUNICODE | BINUNICODE8 => {
                let n = match op {
                    SHORT_BINUNICODE => self.u8()? as usize,
                    BINUNICODE => self.u32()? as usize,
                    _ => self.len_u64()?,
                };
                let b = self.take(n, "string bytes")?;
                let s = std::str::from_utf8(b).map_err(|_| {
                    self.malformed("string is not valid UTF-8 (lone surrogates are not supported)")
                })?;
                Node::Str(s.to_string())
            }
            BINBYTES | SHORT_BINBYTES | BINBYTES8 => {
                let n = match op {
                    SHORT_BINBYTES => self.u8()? as usize,
                    BINBYTES => self.u32()? as usize,
                    _ => self.len_u64()?,
                };
                let b = self.take(n, "bytes")?;
                Node::Bytes(b.to_vec())
            }
            BYTEARRAY8 => {
                let n = self.len_u64()?;
                let b = self.take(n, "bytearray bytes")?;
                Node::ByteArray(b.to_vec())
            }
            _ => return Err(self.unknown_opcode()),
        };
        self.push_new(node)
    }

    /// Tuples, lists, dicts and sets: building and filling them.
    fn op_container(&mut self, op: u8) -> Result<(), PickleError> {
        match op {
            EMPTY_TUPLE => self.push_new(Node::Tuple(Vec::new()))?,
            TUPLE => {
                let items = self.pop_mark()?;
                self.push_new(Node::Tuple(items))?
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = (op - TUPLE1 + 1) as usize;
                if self.stack.len() < n {
                    return Err(self.malformed("stack underflow"));
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_new(Node::Tuple(items))?
            }
            EMPTY_LIST => self.push_new(Node::List(Vec::new()))?,
            LIST => {
                let items = self.pop_mark()?;
                self.push_new(Node::List(items))?
            }
            EMPTY_DICT => self.push_new(Node::Dict(Vec::new()))?,
            DICT => {
                let items = self.pop_mark()?;
                if items.len() % 2 != 0 {
                    return Err(self.malformed("odd number of items for DICT"));
                }
                let kv: Vec<(NodeId, NodeId)> = items.chunks(2).map(|c| (c[0], c[1])).collect();
                let id = self.add(Node::Dict(Vec::new()))?;
                self.add_keys(id, &kv)?;
                self.set_node(id, Node::Dict(kv));
                self.push(id)?
            }
            EMPTY_SET => self.push_new(Node::Set(Vec::new()))?,
            FROZENSET => {
                let items = self.pop_mark()?;
                self.push_new(Node::FrozenSet(items))?
            }
            APPEND => {
                let v = self.pop()?;
                let l = self.top()?;
                self.extend_list(l, vec![v])?;
            }
            APPENDS => {
                let items = self.pop_mark()?;
                let l = self.top()?;
                self.extend_list(l, items)?;
            }
            SETITEM => {
                let v = self.pop()?;
                let k = self.pop()?;
                let d = self.top()?;
                self.extend_dict(d, vec![k, v])?;
            }
            SETITEMS => {
                let items = self.pop_mark()?;
                if items.len() % 2 != 0 {
                    return Err(self.malformed("odd number of items for SETITEMS"));
                }
                let d = self.top()?;
                self.extend_dict(d, items)?;
            }
            ADDITEMS => {
                let items = self.pop_mark()?;
                let s = self.top()?;
                match &mut self.nodes[s as usize] {
                    Node::Set(v) => v.extend(items),
                    other => {
                        let k = other.kind_name();
                        return Err(self.refused(format!(
                            "ADDITEMS on a {k}: only sets built in the stream may be extended"
                        )));
                    }
                }
            }
            _ => return Err(self.unknown_opcode()),
        }
        Ok(())
    }

    /// The memo: PUT/MEMOIZE store the top of the stack, GET pushes it again.
    fn op_memo(&mut self, op: u8) -> Result<(), PickleError> {
        match op {
            PUT => {
                let l = self.line_str()?;
                let k: u64 = l
                    .parse()
                    .map_err(|_| self.malformed(format!("bad memo key {l:?}")))?;
                self.memo_put(k)
            }
            BINPUT => {
                let k = self.u8()? as u64;
                self.memo_put(k)
            }
            LONG_BINPUT => {
                let k = self.u32()? as u64;
                self.memo_put(k)
            }
            MEMOIZE => {
                let k = self.memo.len() as u64;
                self.memo_put(k)
            }
            GET => {
                let l = self.line_str()?;
                let k: u64 = l
                    .parse()
                    .map_err(|_| self.malformed(format!("bad memo key {l:?}")))?;
                self.memo_get(k)
            }
            BINGET => {
                let k = self.u8()? as u64;
                self.memo_get(k)
            }
            LONG_BINGET => {
                let k = self.u32()? as u64;
                self.memo_get(k)
            }
            _ => Err(self.unknown_opcode()),
        }
    }

    /// Globals, calls, instances and BUILD (joblib arrays are read here).
    fn op_object(&mut self, op: u8) -> Result<(), PickleError> {
        match op {
            GLOBAL => {
                let module = self.line_str()?.to_string();
                let name = self.line_str()?.to_string();
                self.push_global(&module, &name)
            }
            STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(m), Some(n)) = (self.str_of(module), self.str_of(name)) else {
                    return Err(self.malformed("STACK_GLOBAL needs two strings"));
                };
                let (m, n) = (m.to_string(), n.to_string());
                self.push_global(&m, &n)
            }
            REDUCE => {
                let args = self.pop()?;
                let func = self.pop()?;
                let id = self.reduce(func, args)?;
                self.push(id)
            }
            NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let Some(class) = self.global_copy(cls)? else {
                    return Err(self.refused("NEWOBJ on something that is not a global class"));
                };
                let args = self.tuple_items(args, "NEWOBJ arguments")?;
                self.push_new(Node::Object {
                    class,
                    args,
                    state: None,
                    items: Vec::new(),
                })
            }
            NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let Some(class) = self.global_copy(cls)? else {
                    return Err(self.refused("NEWOBJ_EX on something that is not a global class"));
                };
                match self.node(kwargs) {
                    Node::Dict(kv) if kv.is_empty() => {}
                    _ => {
                        return Err(
                            self.refused("NEWOBJ_EX with keyword arguments is not supported")
                        )
                    }
                }
                let args = self.tuple_items(args, "NEWOBJ_EX arguments")?;
                self.push_new(Node::Object {
                    class,
                    args,
                    state: None,
                    items: Vec::new(),
                })
            }
            INST => {
                let module = self.line_str()?.to_string();
                let name = self.line_str()?.to_string();
                let args = self.pop_mark()?;
                let g = GlobalName::new(canonical_module(&module), name);
                let id = self.add(instantiate(g, args))?;
                self.global_offsets.push((id, self.op_pos));
                self.push(id)
            }
            OBJ => {
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err(self.malformed("OBJ without a class"));
                }
                let cls = items.remove(0);
                let Some(g) = self.global_copy(cls)? else {
                    return Err(self.refused("OBJ on something that is not a global class"));
                };
                self.push_new(instantiate(g, items))
            }
            BUILD => {
                let state = self.pop()?;
                let obj = self.top()?;
                if self.is_joblib_wrapper(obj) {
                    self.read_joblib_array(obj, state)
                } else {
                    self.refuse_hidden_wrapper(obj)?;
                    self.build(obj, state)?;
                    self.freeze_state(state);
                    Ok(())
                }
            }
            _ => Err(self.unknown_opcode()),
        }
    }

    /// Opcodes that reach outside the stream: persistent ids and the extension
    /// registry (always refused) and out-of-band buffers (only while saving).
    fn op_outside(&mut self, op: u8) -> Result<(), PickleError> {
        match op {
            PERSID | BINPERSID => {
                Err(self.refused("persistent ids reach outside the file; they are never followed"))
            }
            EXT1 | EXT2 | EXT4 => {
                Err(self.refused("the extension registry (copyreg) is not consulted for files"))
            }
            NEXT_BUFFER => {
                let i = self.next_buffer;
                if (i as usize) >= self.opts.buffer_lens.len() {
                    return Err(self.refused(
                        "out-of-band buffers exist only while saving; a file must carry its data",
                    ));
                }
                self.next_buffer += 1;
                let id = self.add(Node::None)?;
                self.pending.insert(id, Pending::Buffer(i));
                self.push(id)
            }
            READONLY_BUFFER => {
                let t = self.top()?;
                if !matches!(self.pending.get(&t), Some(Pending::Buffer(_))) {
                    return Err(self.malformed("READONLY_BUFFER on something that is not a buffer"));
                }
                Ok(())
            }
            _ => Err(self.unknown_opcode()),
        }
    }

    fn extend_list(&mut self, l: NodeId, items: Vec<NodeId>) -> Result<(), PickleError> {
        if let Some(c) = self.call_items(l, true)? {
            return self.extend_list(c, items);
        }
        match &mut self.nodes[l as usize] {
            Node::List(v) => {
                v.extend(items);
                Ok(())
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!(
                    "append to a {k}: only lists built in the stream may be appended to"
                )))
            }
        }
    }
    /// A state dict (or the two dicts of a `(state, slotstate)` tuple) is
    /// copied by pickle when applied: later SETITEMs do not reach the object.
    fn freeze_state(&mut self, state: NodeId) {
        let parts = match self.node(state) {
            Node::Dict(_) => vec![state],
            Node::Tuple(t) if t.len() == 2 => t.clone(),
            _ => Vec::new(),
        };
        for p in parts {
            if matches!(self.node(p), Node::Dict(_)) {
                self.frozen.insert(p);
            }
        }
    }

    fn extend_dict(&mut self, d: NodeId, items: Vec<NodeId>) -> Result<(), PickleError> {
        if let Some(c) = self.call_items(d, false)? {
            return self.extend_dict(c, items);
        }
        if matches!(self.node(d), Node::Dict(_) | Node::Object { .. }) {
            let pairs: Vec<(NodeId, NodeId)> = items.chunks(2).map(|c| (c[0], c[1])).collect();
            self.add_keys(d, &pairs)?;
        }
        match &mut self.nodes[d as usize] {
            Node::Dict(kv) => {
                kv.extend(items.chunks(2).map(|c| (c[0], c[1])));
                Ok(())
            }
            // Instances of dict subclasses (e.g. sklearn's Bunch) receive their
            // items this way; the policy accepts it only for classes whose role
            // says they are dict subclasses.
            Node::Object { items: kv, .. } => {
                kv.extend(items.chunks(2).map(|c| (c[0], c[1])));
                Ok(())
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!(
                    "item assignment on a {k}: only dicts built in the stream may be filled"
                )))
            }
        }
    }

    fn push_global(&mut self, module: &str, name: &str) -> Result<(), PickleError> {
        if module.is_empty() || name.is_empty() || module.len() > 512 || name.len() > 512 {
            return Err(self.malformed("global name empty or longer than 512 characters"));
        }
        // numpy 1.x pickles numpy.bool_ where numpy 2 writes numpy.bool
        let name = if module == "numpy" && name == "bool_" {
            "bool"
        } else {
            name
        };
        // Python 2 names that CPython's unpickler maps (`_compat_pickle.NAME_MAPPING`,
        // the `__builtin__` entries: protocol-0-2 pickles of `int` say `long`)
        let (module, name) = match (module, name) {
            ("__builtin__", "long") => ("builtins", "int"),
            ("__builtin__", "unicode" | "basestring") => ("builtins", "str"),
            ("__builtin__", "xrange") => ("builtins", "range"),
            ("__builtin__", "unichr") => ("builtins", "chr"),
            ("__builtin__", "reduce") => ("functools", "reduce"),
            ("__builtin__", "intern") => ("sys", "intern"),
            other => other,
        };
        let g = GlobalName::new(canonical_module(module), name.to_string());
        let id = self.add(Node::Global(g))?;
        self.global_offsets.push((id, self.op_pos));
        self.push(id)
    }
}

/// INST/OBJ: a class called with arguments, or `cls.__new__(cls)` without.
fn instantiate(g: GlobalName, args: Vec<NodeId>) -> Node {
    if args.is_empty() {
        Node::Object {
            class: g,
            args,
            state: None,
            items: Vec::new(),
        }
    } else {
        Node::Call {
            func: g,
            args,
            state: None,
        }
    }
}
