//! `Name`: the text an event carries (an operation, a route, a table), shared rather
//! than copied, so admitting an event to the buffer allocates nothing.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::{Serialize, Serializer};

/// An immutable string that clones without allocating: a `&'static str` (method names,
/// route templates, SQL labels declared in statics) or a reference-counted one
/// (names first seen at run time, interned once by the recorder).
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    /// `text` as a static name, kept for the life of the process: each distinct text
    /// is stored once and shared after. For the few names a server declares at
    /// start-up (its routes, with each standard method), whose events then clone and
    /// drop them without touching a reference count (two atomic operations each);
    /// never for names that arrive with requests, which could grow without bound.
    pub(crate) fn interned(text: &str) -> Name {
        static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut interned = INTERNED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = interned.get(text) {
            return Name::from(*found);
        }
        let kept: &'static str = Box::leak(Box::from(text));
        interned.insert(kept);
        Name::from(kept)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(text) => text,
            Repr::Shared(text) => text,
        }
    }
}

impl From<&'static str> for Name {
    fn from(text: &'static str) -> Self {
        Name(Repr::Static(text))
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name(Repr::Shared(Arc::from(text)))
    }
}

impl From<Arc<str>> for Name {
    fn from(text: Arc<str>) -> Self {
        Name(Repr::Shared(text))
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// Hashes as the text does, so maps keyed by `Name` are searched with a `&str`.
impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_interned_once() {
        let first = Name::interned(&format!("GET {}", "/static/*"));
        let second = Name::interned("GET /static/*");
        assert!(
            matches!((&first.0, &second.0), (Repr::Static(a), Repr::Static(b)) if std::ptr::eq(*a, *b))
        );
        assert_eq!(first, "GET /static/*");
    }

    #[test]
    fn static_and_shared_names_compare_and_serialize_as_text() {
        let a = Name::from("GET /");
        let b = Name::from(String::from("GET /"));
        assert_eq!(a, b);
        assert_eq!(a, "GET /");
        assert_eq!(b.len(), 5);
        assert_eq!(format!("{a} {b:?}"), "GET / \"GET /\"");
        assert_eq!(
            serde_json::to_string(&b.clone()).expect("serializes"),
            "\"GET /\""
        );
    }
}
