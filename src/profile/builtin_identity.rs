//! The built-in `emulator` identity (SPEC §5): the emulator's public well-known app
//! registration with its secret built in, like Azurite's development key. It is the
//! default identity of tenants on the built-in `emulator` environment when the profile
//! names none, and it is refused on every other environment, so the well-known secret
//! can never be sent to a real sign-in service.

use super::model::{Identity, IdentityKind};
use super::secret::SecretRef;

/// The name a profile uses to refer to the built-in identity.
pub const NAME: &str = "emulator";

/// The emulator's well-known app-only client id (public; never valid against Microsoft 365).
pub const CLIENT_ID: &str = crate::emulator::APP_CLIENT_ID;

/// The built-in identity.
pub fn identity() -> Identity {
    Identity {
        name: NAME.into(),
        kind: IdentityKind::ClientSecret {
            client_id: CLIENT_ID.into(),
            client_secret: SecretRef::BuiltIn(crate::emulator::APP_CLIENT_SECRET),
        },
    }
}
