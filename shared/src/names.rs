//! Enums of names only (`"supervisor"`, `"count_persons"`), read from those names.
//!
//! serde's derived `Deserialize` reads such an enum through `deserialize_enum`, which
//! also takes the `{"name": null}` form and costs each enum over a kilobyte of the app's
//! WebAssembly at every place it is read. [`by_name!`] reads the one JSON form, a
//! string, through one visitor shared by every enum: the enum itself adds only its
//! table. `Serialize` stays derived, and each enum's test checks that both agree.

use serde::de::{self, Deserializer, Visitor};

/// The position of the name `deserializer` holds among `names`; an unknown name is
/// refused as serde's own derive refuses it ("unknown variant …, expected one of …").
pub fn position<'de, D: Deserializer<'de>>(
    deserializer: D,
    names: &'static [&'static str],
) -> Result<usize, D::Error> {
    deserializer.deserialize_str(Named(names))
}

struct Named(&'static [&'static str]);

impl<'de> Visitor<'de> for Named {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| E::unknown_variant(name, self.0))
    }
}

/// `Deserialize` for a `Copy` enum of unit variants, each read from its name:
/// `by_name!(Role { Reporter = "reporter", Supervisor = "supervisor" });`.
macro_rules! by_name {
    ($ty:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        // Every variant is in the table: a variant added to the enum and not here
        // stops the build, since this match is then not exhaustive.
        const _: fn($ty) = |v| match v {
            $($ty::$variant => {})+
        };
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const VALUES: &[$ty] = &[$($ty::$variant),+];
                $crate::names::position(d, &[$($name),+]).map(|i| VALUES[i])
            }
        }
    };
}
pub(crate) use by_name;

/// Every variant written by serde and read back by [`by_name!`], and a name it does not
/// know refused: the two lists cannot drift apart unnoticed.
#[cfg(test)]
fn round_trips<T>(all: &[T])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for value in all {
        let json = serde_json::to_string(value).expect("writes");
        let back: T = serde_json::from_str(&json).expect("reads back");
        assert_eq!(&back, value, "{json}");
    }
    let wrong = serde_json::from_str::<T>("\"no_such_name\"").expect_err("unknown name");
    assert!(
        wrong
            .to_string()
            .starts_with("unknown variant `no_such_name`, expected "),
        "{wrong}"
    );
    assert!(serde_json::from_str::<T>("1").is_err());
}

#[cfg(test)]
mod tests {
    use super::round_trips;
    use crate::form::spec::{ItemKind, RowKindSpec};
    use crate::tree::KindGroup;
    use crate::wire::{FigureMode, ReportStatus, Role};
    use crate::{Column, Severity};

    #[test]
    fn every_enum_read_by_name_reads_what_serde_writes() {
        use ReportStatus::*;
        round_trips(&[
            Role::Reporter,
            Role::Supervisor,
            Role::Observer,
            Role::Admin,
        ]);
        round_trips(&[Draft, Submitted, Returned, Approved]);
        round_trips(&FigureMode::ALL);
        round_trips(&[Severity::Error, Severity::Warning]);
        round_trips(&[ItemKind::Text, ItemKind::Table]);
        round_trips(&[
            RowKindSpec::Group,
            RowKindSpec::Count,
            RowKindSpec::CountPersons,
            RowKindSpec::Money,
            RowKindSpec::Total,
            RowKindSpec::Text,
            RowKindSpec::YesNo,
        ]);
        round_trips(&Column::ALL);
        round_trips(&KindGroup::ALL);
    }
}
