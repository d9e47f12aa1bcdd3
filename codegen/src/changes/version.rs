//! Which versions may follow a release, given the class of the changes since.
//!
//! Cargo's rule: versions are compatible when their leftmost non-zero number is the same. So
//! in `0.y.z` a breaking change bumps `y` and any other change bumps `z`; in `0.0.z` every
//! release is breaking; from `1.0.0` on the three numbers mean major, minor and patch.

use semver::Version;

use super::Class;

/// The lowest version that may follow `released` after changes of `class`.
pub fn lowest_allowed(released: &Version, class: Class) -> Version {
    let (major, minor, patch) = (released.major, released.minor, released.patch);
    match (major, minor, class) {
        (0, 0, _) => Version::new(0, 0, patch + 1),
        (0, _, Class::Major) => Version::new(0, minor + 1, 0),
        (0, _, Class::Minor | Class::Patch) => Version::new(0, minor, patch + 1),
        (_, _, Class::Major) => Version::new(major + 1, 0, 0),
        (_, _, Class::Minor) => Version::new(major, minor + 1, 0),
        (_, _, Class::Patch) => Version::new(major, minor, patch + 1),
    }
}

/// Whether `next` may follow `released` after changes of `class` (`None`: no change).
///
/// A pre-release of the lowest allowed version is allowed too (`0.2.0-rc.1` after a breaking
/// change to `0.1.3`): only the numbers count, as for compatibility.
pub fn allows(released: &Version, next: &Version, class: Option<Class>) -> bool {
    let numbers = |v: &Version| (v.major, v.minor, v.patch);
    match class {
        None => next >= released,
        Some(class) => numbers(next) >= numbers(&lowest_allowed(released, class)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("a version")
    }

    #[test]
    fn the_lowest_allowed_version_follows_cargo_compatibility() {
        let cases = [
            ("0.1.0", Class::Major, "0.2.0"),
            ("0.1.3", Class::Minor, "0.1.4"),
            ("0.1.3", Class::Patch, "0.1.4"),
            ("0.0.4", Class::Patch, "0.0.5"),
            ("0.0.4", Class::Major, "0.0.5"),
            ("1.2.3", Class::Major, "2.0.0"),
            ("1.2.3", Class::Minor, "1.3.0"),
            ("1.2.3", Class::Patch, "1.2.4"),
        ];
        for (released, class, lowest) in cases {
            assert_eq!(
                lowest_allowed(&v(released), class),
                v(lowest),
                "{class} after {released}"
            );
        }
    }

    #[test]
    fn a_version_is_allowed_when_it_bumps_enough() {
        assert!(allows(&v("0.1.0"), &v("0.2.0"), Some(Class::Major)));
        assert!(allows(&v("0.1.0"), &v("1.0.0"), Some(Class::Major)));
        assert!(allows(&v("0.1.0"), &v("0.2.0-rc.1"), Some(Class::Major)));
        assert!(!allows(&v("0.1.0"), &v("0.1.1"), Some(Class::Major)));
        assert!(!allows(&v("0.1.0"), &v("0.1.0"), Some(Class::Patch)));
        assert!(allows(&v("1.2.3"), &v("1.3.0"), Some(Class::Minor)));
        assert!(!allows(&v("1.2.3"), &v("1.2.4"), Some(Class::Minor)));
        // No change: the same version, or any later one; never an earlier one.
        assert!(allows(&v("1.2.3"), &v("1.2.3"), None));
        assert!(allows(&v("1.2.3"), &v("1.2.4"), None));
        assert!(!allows(&v("1.2.3"), &v("1.2.2"), None));
    }
}
