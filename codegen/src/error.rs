//! Errors in a spec: what is wrong and where (spec file, spec path, line and column).

use std::fmt;

/// A path into the spec document, such as `paths./orders.post.requestBody`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl SpecPath {
    /// The path of the document root.
    pub fn root() -> Self {
        SpecPath(Vec::new())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.into()));
        SpecPath(segments)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        SpecPath(segments)
    }

    pub(crate) fn segments(&self) -> &[Segment] {
        &self.0
    }

    pub(crate) fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_last()?;
        Some(SpecPath(rest.to_vec()))
    }
}

/// Written the way serde_yaml writes paths, so both kinds of error read alike.
impl fmt::Display for SpecPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document root)");
        }
        for (position, segment) in self.0.iter().enumerate() {
            // An empty key would vanish between the dots.
            let shown = |key: &str| if key.is_empty() { "''" } else { key }.to_owned();
            match segment {
                Segment::Key(key) if position == 0 => write!(f, "{}", shown(key))?,
                Segment::Key(key) => write!(f, ".{}", shown(key))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A line and column in the spec file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// Why a spec cannot be turned into a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file's name, as the caller gave it.
    pub spec_name: String,
    /// Where in the file, when it could be determined.
    pub location: Option<Location>,
    /// What is wrong, starting with the spec path it concerns.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(Location { line, column }) => {
                write!(f, "{}:{line}:{column}: {}", self.spec_name, self.message)
            }
            None => write!(f, "{}: {}", self.spec_name, self.message),
        }
    }
}

impl std::error::Error for SpecError {}

/// A problem found while checking the spec, before it is given a file location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: SpecPath,
    pub message: String,
}

impl Problem {
    pub fn new(path: &SpecPath, message: impl Into<String>) -> Self {
        Problem {
            path: path.clone(),
            message: message.into(),
        }
    }
}
