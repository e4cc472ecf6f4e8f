//! [`Class`]: what a walk is labelled, the name of its folder under `Training/` or `Testing/`.

use std::cmp::Ordering;
use std::fmt;

/// The class of a walk: the name of its folder under `Training/` or `Testing/` (`Normal`,
/// `Abnormal`, `Antalgic`, ...).
///
/// Classes order `Normal` first, then by name: a tree of `Normal` and `Abnormal` gives the old
/// pipeline's class order (Normal 0, Abnormal 1), and any tree one order, whatever the file
/// system lists first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Class(String);

impl Class {
    /// The name of the class of normal walks.
    pub const NORMAL: &'static str = "Normal";
    /// The name of the one class of abnormal walks in a two-class tree.
    pub const ABNORMAL: &'static str = "Abnormal";

    /// The class named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Class(name.into())
    }

    /// `Normal`.
    pub fn normal() -> Self {
        Class::new(Class::NORMAL)
    }

    /// `Abnormal`.
    pub fn abnormal() -> Self {
        Class::new(Class::ABNORMAL)
    }

    /// The class's name (its folder's).
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Whether this is `Normal`.
    pub fn is_normal(&self) -> bool {
        self.0 == Class::NORMAL
    }

    /// Whether `classes` (in order, as classes or names) are the old pipeline's two: `Normal`,
    /// `Abnormal`.
    pub fn is_binary<S: AsRef<str>>(classes: &[S]) -> bool {
        matches!(classes, [n, a] if n.as_ref() == Class::NORMAL && a.as_ref() == Class::ABNORMAL)
    }
}

impl Ord for Class {
    fn cmp(&self, other: &Self) -> Ordering {
        (!self.is_normal(), &self.0).cmp(&(!other.is_normal(), &other.0))
    }
}

impl PartialOrd for Class {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl AsRef<str> for Class {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_comes_first_then_names_in_order() {
        let mut classes: Vec<Class> = ["Steppage", "Abnormal", "Normal", "Antalgic"]
            .map(Class::new)
            .to_vec();
        classes.sort();
        let names: Vec<&str> = classes.iter().map(Class::name).collect();
        assert_eq!(names, ["Normal", "Abnormal", "Antalgic", "Steppage"]);
        assert!(Class::is_binary(&[Class::normal(), Class::abnormal()]));
        assert!(!Class::is_binary(&[Class::normal(), Class::new("Antalgic")]));
    }
}
