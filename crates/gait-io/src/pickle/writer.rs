//! The writer: the pickle NumPy 1.x writes for an object array of dicts of float64 values.

use super::opcodes::*;

/// Writes the pickle NumPy 1.x writes for `np.save` of a list of dicts of `numpy.float64` values
/// and `None`s (protocol 3, `numpy.core` names, which NumPy 2.x also loads): `rows` dicts with the
/// keys `columns` in order, a `NaN` value written as `None`.
pub(crate) fn write_dict_rows(columns: &[String], rows: usize, values: &[f64]) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(64 + values.len() * 20),
        next_memo: 0,
    };
    w.out.extend_from_slice(&[PROTO, 3]);
    // _reconstruct(ndarray, (0,), b'b'): an empty array to build.
    w.global("numpy.core.multiarray", "_reconstruct");
    w.global("numpy", "ndarray");
    w.int(0);
    w.out.push(TUPLE1);
    w.out.extend_from_slice(&[SHORT_BINBYTES, 1, b'b']);
    w.out.extend_from_slice(&[TUPLE3, REDUCE]);
    // Its state: (1, (rows,), dtype('O8'), False, [dicts]).
    w.out.push(MARK);
    w.int(1);
    w.int(i64::try_from(rows).expect("row count fits in i64"));
    w.out.push(TUPLE1);
    w.global("numpy", "dtype");
    let dtype_global = w.put();
    w.dtype("O8", "|", 63);
    w.out.extend_from_slice(&[NEWFALSE, EMPTY_LIST, MARK]);
    let mut key_memo: Vec<Option<u32>> = vec![None; columns.len()];
    let mut scalar_memo = None;
    let mut f8_memo = None;
    for row in 0..rows {
        w.out.extend_from_slice(&[EMPTY_DICT, MARK]);
        for (column, key) in columns.iter().enumerate() {
            match key_memo[column] {
                Some(id) => w.get(id),
                None => {
                    w.str(key);
                    key_memo[column] = Some(w.put());
                }
            }
            let value = values[row * columns.len() + column];
            if value.is_nan() {
                w.out.push(NONE);
                continue;
            }
            // scalar(dtype('f8'), <8 bytes>)
            match scalar_memo {
                Some(id) => w.get(id),
                None => {
                    w.global("numpy.core.multiarray", "scalar");
                    scalar_memo = Some(w.put());
                }
            }
            match f8_memo {
                Some(id) => w.get(id),
                None => {
                    w.get(dtype_global);
                    f8_memo = Some(w.dtype("f8", "<", 0));
                }
            }
            w.out.extend_from_slice(&[SHORT_BINBYTES, 8]);
            w.out.extend_from_slice(&value.to_le_bytes());
            w.out.extend_from_slice(&[TUPLE2, REDUCE]);
        }
        w.out.push(SETITEMS);
    }
    // The list's items, the state tuple, BUILD, and the end.
    w.out.extend_from_slice(&[APPENDS, TUPLE, BUILD, STOP]);
    w.out
}

struct Writer {
    out: Vec<u8>,
    next_memo: u32,
}

impl Writer {
    fn global(&mut self, module: &str, name: &str) {
        self.out.push(GLOBAL);
        for part in [module, name] {
            self.out.extend_from_slice(part.as_bytes());
            self.out.push(b'\n');
        }
    }

    fn int(&mut self, v: i64) {
        match (u8::try_from(v), i32::try_from(v)) {
            (Ok(b), _) => self.out.extend_from_slice(&[BININT1, b]),
            (_, Ok(i)) => {
                self.out.push(BININT);
                self.out.extend_from_slice(&i.to_le_bytes());
            }
            _ => {
                self.out.extend_from_slice(&[LONG1, 8]);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    fn str(&mut self, s: &str) {
        self.out.push(BINUNICODE);
        self.out.extend_from_slice(
            &u32::try_from(s.len())
                .expect("key shorter than 4 GiB")
                .to_le_bytes(),
        );
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Memoises the top of the stack; returns its memo key.
    fn put(&mut self) -> u32 {
        let id = self.next_memo;
        self.next_memo += 1;
        match u8::try_from(id) {
            Ok(b) => self.out.extend_from_slice(&[BINPUT, b]),
            Err(_) => {
                self.out.push(LONG_BINPUT);
                self.out.extend_from_slice(&id.to_le_bytes());
            }
        }
        id
    }

    fn get(&mut self, id: u32) {
        match u8::try_from(id) {
            Ok(b) => self.out.extend_from_slice(&[BINGET, b]),
            Err(_) => {
                self.out.push(LONG_BINGET);
                self.out.extend_from_slice(&id.to_le_bytes());
            }
        }
    }

    /// Calls the `numpy.dtype` on top of the stack as `dtype(code, False, True)` and sets its
    /// state; returns the memo key of the dtype.
    fn dtype(&mut self, code: &str, order: &str, flags: i64) -> u32 {
        self.str(code);
        self.out.extend_from_slice(&[NEWFALSE, NEWTRUE, TUPLE3, REDUCE]);
        let id = self.put();
        // (3, order, None, None, None, -1, -1, flags)
        self.out.push(MARK);
        self.int(3);
        self.str(order);
        self.out.extend_from_slice(&[NONE, NONE, NONE]);
        self.int(-1);
        self.int(-1);
        self.int(flags);
        self.out.extend_from_slice(&[TUPLE, BUILD]);
        id
    }
}
