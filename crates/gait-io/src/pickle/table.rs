//! The object array of dicts as a table: one row per dict, one column per key.

use std::collections::HashMap;

use super::machine::Machine;
use super::{DictRows, Id, Obj, PickleError};

/// Integers up to this magnitude are exact in a float64; larger ones are refused, not rounded.
const EXACT_INTEGERS: u128 = 1 << 53;

impl Machine<'_> {
    pub(super) fn dict_entries(&self, frame: usize, item: Id) -> Result<&[(Id, Id)], PickleError> {
        match &self.arena[item] {
            &Obj::Dict { start, len, .. } => Ok(&self.entries[start..start + len]),
            other => Err(PickleError::Frame {
                frame,
                reason: format!("{}, not a dict", other.kind()),
            }),
        }
    }

    fn key(&self, frame: usize, key: Id) -> Result<&str, PickleError> {
        self.str_of(key).ok_or_else(|| PickleError::Frame {
            frame,
            reason: format!("a key is {}, not a str", self.arena[key].kind()),
        })
    }

    /// Interprets the root object as a one-dimensional object array of dicts of numbers.
    pub(super) fn dict_rows(&self, root: Id, input_len: usize) -> Result<DictRows, PickleError> {
        let Obj::Array(array) = &self.arena[root] else {
            return Err(PickleError::NotAnArrayOfDicts(format!(
                "the pickle holds {}, not a NumPy object array",
                self.arena[root].kind()
            )));
        };
        let (shape, items) = (&array.shape, &array.items);
        if shape.len() != 1 {
            return Err(PickleError::NotAnArrayOfDicts(format!(
                "the object array has shape {shape:?}; a list of frames is one-dimensional"
            )));
        }
        // Shared (memoised) dicts can make a small pickle describe a huge table: refuse tables out
        // of proportion to the input before building them. A real angles file spends at least
        // three bytes on each cell.
        let budget = 4 * input_len + 65_536;
        let refuse = |columns: usize| {
            PickleError::NotAnArrayOfDicts(format!(
                "{} frames of {columns} keys from a {input_len}-byte pickle: refused as out of proportion",
                items.len()
            ))
        };
        // First pass: every frame is a dict with str keys; the columns in order of appearance.
        let mut keys = KeyColumns::default();
        let mut seen = 0usize;
        for (frame, &item) in items.iter().enumerate() {
            let entries = self.dict_entries(frame, item)?;
            seen += entries.len();
            if seen > budget {
                return Err(refuse(keys.columns.len().max(entries.len())));
            }
            for (position, &(key, _)) in entries.iter().enumerate() {
                keys.column(self, frame, position, key)?;
            }
        }
        let columns = keys.columns.len();
        let total = items.len().saturating_mul(columns);
        if total > budget {
            return Err(refuse(columns));
        }
        // Second pass: the values, NaN where a frame has None or lacks the key (and marked so).
        let mut values = vec![f64::NAN; total];
        let mut absent = vec![true; total];
        for (frame, &item) in items.iter().enumerate() {
            for (position, &(key_id, value)) in self.dict_entries(frame, item)?.iter().enumerate() {
                let column = keys.column(self, frame, position, key_id)?;
                let value = match self.arena[value] {
                    Obj::None => continue,
                    Obj::Float(v) => v,
                    #[allow(clippy::cast_precision_loss)] // exact: at most 2^53 in magnitude
                    Obj::Int(v) if v.unsigned_abs() <= EXACT_INTEGERS => v as f64,
                    Obj::Int(v) => {
                        return Err(PickleError::Frame {
                            frame,
                            reason: format!(
                                "key {:?} holds the integer {v}, beyond the integers a float64 holds exactly (2^53): refused rather than rounded",
                                self.key(frame, key_id)?
                            ),
                        });
                    }
                    Obj::Bool(v) => f64::from(u8::from(v)),
                    ref other => {
                        return Err(PickleError::Frame {
                            frame,
                            reason: format!(
                                "key {:?} holds {}, not a number or None",
                                self.key(frame, key_id)?,
                                other.kind()
                            ),
                        });
                    }
                };
                values[frame * columns + column] = value;
                absent[frame * columns + column] = false;
            }
        }
        Ok(DictRows {
            columns: keys.columns,
            rows: items.len(),
            values,
            absent,
        })
    }
}

/// The columns of a table of dicts and the map from key objects to them. Picklers memoise
/// repeated keys, so a frame's keys are mostly the same objects as the last frame's, in the same
/// order: a key is looked up by its position in the last frame first, then by name.
#[derive(Default)]
struct KeyColumns<'m> {
    /// Column names in order of appearance.
    columns: Vec<String>,
    by_name: HashMap<&'m str, usize>,
    /// The key object and column at each position of the last frame that had one there.
    by_position: Vec<(Id, usize)>,
}

impl<'m> KeyColumns<'m> {
    /// The column of key object `key` at `position` in `frame`'s dict; a new name is a new column.
    #[inline(always)]
    fn column(
        &mut self,
        machine: &'m Machine<'_>,
        frame: usize,
        position: usize,
        key: Id,
    ) -> Result<usize, PickleError> {
        if let Some(&(id, column)) = self.by_position.get(position)
            && id == key
        {
            return Ok(column);
        }
        let name = machine.key(frame, key)?;
        let column = match self.by_name.get(name) {
            Some(&column) => column,
            None => {
                self.columns.push(name.to_string());
                self.by_name.insert(name, self.columns.len() - 1);
                self.columns.len() - 1
            }
        };
        if position < self.by_position.len() {
            self.by_position[position] = (key, column);
        } else if position == self.by_position.len() {
            self.by_position.push((key, column));
        }
        Ok(column)
    }
}
