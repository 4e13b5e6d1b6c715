//! joblib's inline arrays (`NumpyArrayWrapper`), read exactly where and as
//! joblib's `NumpyUnpickler` reads them.

use super::*;

impl<'a> Vm<'a> {
    /// True when `obj` is an instance of one of joblib's array wrappers made
    /// in the stream (`NEWOBJ`, `OBJ`, `INST`, `copyreg._reconstructor`).
    pub(super) fn is_joblib_wrapper(&self, obj: NodeId) -> bool {
        matches!(self.node(obj), Node::Object { class, .. } if is_wrapper_class(class))
    }

    /// A BUILD whose target may be a joblib array wrapper that skseal cannot
    /// see as one (made by calling the class, or through `copyreg.__newobj__`):
    /// joblib would read array bytes from the file after it, skseal would not.
    pub(super) fn refuse_hidden_wrapper(&self, obj: NodeId) -> Result<(), PickleError> {
        let Node::Call { func, args, .. } = self.node(obj) else {
            return Ok(());
        };
        let via_newobj = func.module == "copyreg"
            && matches!(func.name.as_str(), "__newobj__" | "__newobj_ex__");
        let wrapper_arg = args
            .first()
            .and_then(|&a| self.global_of(a))
            .is_some_and(is_wrapper_class);
        if is_wrapper_class(func) || (via_newobj && wrapper_arg) {
            return Err(self.refused(format!(
                "BUILD on a joblib array wrapper made by calling {func}: joblib would read \
                 inline array bytes after this opcode, which joblib itself never writes this \
                 way. The file is refused"
            )));
        }
        Ok(())
    }

    /// GET or DUP of a joblib array wrapper. joblib's unpickler replaces only
    /// the top of its stack with the array: another reference to the wrapper
    /// (from the memo, or a DUP) stays the wrapper object. skseal refuses
    /// such references instead of building a different object than joblib.
    pub(super) fn note_wrapper_reference(
        &mut self,
        id: NodeId,
        how: &str,
    ) -> Result<(), PickleError> {
        if self.jl_replaced.contains(&id) {
            return Err(self.refused(format!(
                "{how} of a joblib array wrapper after its BUILD: joblib gives the wrapper \
                 object here, not the array, and never writes this. The file is refused"
            )));
        }
        if self.is_joblib_wrapper(id) {
            self.jl_aliased.insert(id);
        }
        Ok(())
    }

    /// joblib's `NumpyArrayWrapper`: its BUILD is followed, in the file, by the
    /// array's raw bytes (after a pad-length byte and 0xFF padding since
    /// joblib 1.2), or for object arrays by a nested pickle. The wrapper becomes
    /// the array node, as joblib's unpickler replaces it.
    ///
    /// joblib reads those bytes from the underlying file, not from the current
    /// pickle FRAME (its `NumpyUnpickler` is `pickle._Unpickler`, whose frame
    /// buffer the array read bypasses), so a wrapper BUILD inside a frame that
    /// goes on after it is refused: joblib would read the array from after the
    /// frame and then the rest of the frame as opcodes.
    pub(super) fn read_joblib_array(
        &mut self,
        obj: NodeId,
        state: NodeId,
    ) -> Result<(), PickleError> {
        let (class, has_state, has_items) = match self.node(obj) {
            Node::Object {
                class,
                state,
                items,
                ..
            } => (class.name.clone(), state.is_some(), !items.is_empty()),
            _ => (String::new(), false, false),
        };
        if class != "NumpyArrayWrapper" {
            return Err(self.refused(format!(
                "joblib's {class} is the multi-file format of joblib < 0.10: it names sibling \
                 .npy files, which skseal never opens. Re-save the model with a current joblib"
            )));
        }
        if let Some(end) = self.frame_end.filter(|&e| self.pos < e) {
            return Err(self.refused(format!(
                "joblib array wrapper BUILD inside a pickle FRAME that ends at byte {end}, \
                 {} byte(s) later: joblib reads the array from the file after the frame and \
                 the rest of the frame as opcodes, so the file means different things to \
                 joblib and to a pickle reader. joblib never writes this; the file is refused",
                end - self.pos
            )));
        }
        if self.jl_aliased.contains(&obj) {
            return Err(self.refused(
                "BUILD of a joblib array wrapper that was fetched from the memo or duplicated: \
                 joblib would replace only one reference with the array. The file is refused",
            ));
        }
        if has_state || has_items {
            return Err(self.refused(
                "a joblib array wrapper with state set twice or with items: joblib never \
                 writes this. The file is refused",
            ));
        }
        if !matches!(self.node(state), Node::Dict(_)) {
            return Err(
                self.numpy_err("joblib array wrapper state must be a dict (joblib writes one)")
            );
        }
        // Keys as Python compares them: joblib applies the state with
        // `__dict__.update`, so a `numpy.str_` key names the same attribute.
        let kv = match self.node(state) {
            Node::Dict(kv) => kv.clone(),
            _ => Vec::new(),
        };
        self.charge_ids(kv.len() * 2, "joblib wrapper state")?;
        let mut pairs: Vec<(keys::Key, NodeId)> = Vec::with_capacity(kv.len());
        for (k, v) in kv {
            let key = self.key_of(k);
            self.charge(key.weight(), "joblib wrapper state")?;
            pairs.push((key, v));
        }
        let get = |k: &str| -> Option<NodeId> {
            pairs
                .iter()
                .find_map(|(a, b)| matches!(a, keys::Key::Str(s) if s == k).then_some(*b))
        };
        match get("subclass").and_then(|c| self.global_of(c)) {
            Some(g) if g.is("numpy", "ndarray") => {}
            Some(g) => {
                return Err(self.numpy_err(format!("joblib array of subclass {g} is not supported")))
            }
            None => return Err(self.numpy_err("joblib array wrapper without a subclass")),
        }
        let dtype_node =
            get("dtype").ok_or_else(|| self.numpy_err("joblib array without dtype"))?;
        let dtype = self.dtype_of(dtype_node)?;
        let shape = self
            .shape_of(get("shape").ok_or_else(|| self.numpy_err("joblib array without shape"))?)?;
        let order = match get("order").and_then(|o| self.str_of(o)) {
            Some("F") => Order::F,
            Some("C") | None => Order::C,
            Some(o) => return Err(self.numpy_err(format!("joblib array order {o:?}"))),
        };
        if dtype.has_object() {
            // A complete pickle of the object array, with its own stack and memo.
            if self.nested > 0 {
                return Err(self.refused("a joblib array inside a joblib object array"));
            }
            let saved = (
                std::mem::take(&mut self.stack),
                std::mem::take(&mut self.metastack),
                std::mem::take(&mut self.memo),
            );
            let saved_frame = self.frame_end.take();
            self.nested += 1;
            let start = self.pos;
            let inner = self.run();
            self.nested -= 1;
            let inner_frame_open = self.frame_end.filter(|&e| self.pos < e);
            self.frame_end = saved_frame;
            (self.stack, self.metastack, self.memo) = saved;
            let inner = inner?;
            if let Some(end) = inner_frame_open {
                return Err(self.refused(format!(
                    "the pickle of a joblib object array stops inside its FRAME, which ends \
                     {} byte(s) later at byte {end}: joblib's inner unpickler would drop the \
                     rest of the frame. The file is refused",
                    end - self.pos
                )));
            }
            self.joblib_arrays.push((start, self.pos - start));
            let node = std::mem::replace(&mut self.nodes[inner as usize], Node::None);
            if !matches!(node, Node::ObjectArray { .. } | Node::Array(_)) {
                return Err(self.numpy_err("joblib object array is not an array"));
            }
            self.set_node(obj, node);
            self.jl_replaced.insert(obj);
            return Ok(());
        }
        let aligned = get("numpy_array_alignment_bytes")
            .map(|a| !matches!(self.node(a), Node::None))
            .unwrap_or(false);
        if aligned {
            let pad = self.u8()? as usize;
            if pad > 16 {
                return Err(self.malformed(format!("joblib padding of {pad} bytes (at most 16)")));
            }
            let p = self.take(pad, "joblib alignment padding")?;
            if p.iter().any(|&b| b != 0xff) {
                return Err(self.malformed("joblib alignment padding must be 0xFF bytes"));
            }
        }
        let spec_len = ArraySpec {
            dtype: dtype.clone(),
            shape: shape.clone(),
            order,
            axes: None,
            source: ArraySource::Inline(Vec::new()),
        }
        .nbytes()
        .ok_or_else(|| self.numpy_err("joblib array size overflows"))?;
        let n = usize::try_from(spec_len).map_err(|_| self.numpy_err("joblib array too large"))?;
        let start = self.pos;
        self.charge(spec_len, "joblib array data")?;
        let mut bytes = self.take(n, "joblib array data")?.to_vec();
        // joblib.load converts arrays to native byte order
        // (`ensure_native_byte_order="auto"`, `_ensure_native_byte_order`).
        let dtype = self.to_native_order(dtype, &mut bytes)?;
        self.joblib_arrays.push((start, n));
        let idx = self.arrays.len() as u32;
        self.arrays.push(ArraySpec {
            dtype,
            shape,
            order,
            axes: None,
            source: ArraySource::Inline(bytes),
        });
        self.set_node(obj, Node::Array(idx));
        self.jl_replaced.insert(obj);
        Ok(())
    }
}

impl<'a> Vm<'a> {
    /// A big-endian dtype and its bytes, converted to little-endian as
    /// joblib's `_ensure_native_byte_order` does (`astype(dtype.newbyteorder('='))`).
    fn to_native_order(&self, dtype: Dtype, bytes: &mut [u8]) -> Result<Dtype, PickleError> {
        let Dtype::Simple(s) = &dtype else {
            if dtype_has_big_endian(&dtype) {
                return Err(self.numpy_err(
                    "joblib array of a structured dtype with big-endian fields: joblib would \
                     convert it to native byte order, which skseal does not do for structured \
                     dtypes. Re-save it with native byte order",
                ));
            }
            return Ok(dtype);
        };
        let Some(body) = s.strip_prefix('>') else {
            return Ok(dtype);
        };
        let unit = match (body.chars().next(), dtype.itemsize()) {
            (Some('i' | 'u' | 'f'), Some(n)) => n as usize,
            (Some('c'), Some(n)) => n as usize / 2,
            (Some('U'), Some(_)) => 4,
            _ => return Ok(dtype),
        };
        if unit > 1 {
            for chunk in bytes.chunks_exact_mut(unit) {
                chunk.reverse();
            }
        }
        Ok(Dtype::Simple(format!("<{body}")))
    }
}

fn dtype_has_big_endian(d: &Dtype) -> bool {
    match d {
        Dtype::Simple(s) => s.starts_with('>'),
        Dtype::Struct { formats, .. } => formats.iter().any(dtype_has_big_endian),
    }
}

fn is_wrapper_class(class: &GlobalName) -> bool {
    class.module == "joblib.numpy_pickle"
        && matches!(
            class.name.as_str(),
            "NumpyArrayWrapper" | "NDArrayWrapper" | "ZNDArrayWrapper"
        )
}
