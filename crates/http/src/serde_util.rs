//! Deserialisation helpers shared by the DTOs.

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "nullable")]` on an
/// `Option<Option<T>>`: an absent field stays `None`, an explicit `null`
/// becomes `Some(None)` (clear it), a value `Some(Some(v))`.
///
/// # Errors
/// The inner type's deserialisation errors.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
