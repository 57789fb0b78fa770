//! The base login request of each [`LoginMethod`], shared by the session-stack client and the
//! auth-core authenticator: credentials resolved (once per login), body encoded, path chosen.

use secrecy::ExposeSecret;

use crate::agileapps::client::{LoginMethod, RequestBody, SessionKind};
use crate::agileapps::xml::{
    CustomerSupportLogin, CustomerSupportLoginRequest, Format, PasswordLogin, PasswordLoginRequest,
    SamlLogin, SamlLoginRequest,
};
use crate::error::Error;

/// The REST root of every AgileApps call.
pub(crate) const REST: &str = "/networking/rest";

/// A base login ready to send.
pub(crate) struct LoginRequest {
    /// Path below the base URL (`/networking/rest/login...`).
    pub path: String,
    /// The encoded login body (holds the resolved secret: never logged).
    pub body: RequestBody,
    /// What kind of session the login opens.
    pub kind: SessionKind,
}

impl LoginMethod {
    /// Resolves this method's credentials and encodes its login body in `format`.
    pub(crate) async fn login_request(&self, format: Format) -> Result<LoginRequest, Error> {
        let (path, body, kind) = match self {
            LoginMethod::Password {
                user_name,
                password,
            } => {
                let pw = password.resolve().await?;
                let request = PasswordLoginRequest {
                    login: PasswordLogin {
                        user_name: user_name.clone(),
                        password: pw.expose_secret().to_string(),
                    },
                };
                (
                    "/login",
                    RequestBody::encode(&request, format)?,
                    SessionKind::Password,
                )
            }
            LoginMethod::Saml { assertion } => {
                let a = assertion.resolve().await?;
                let request = SamlLoginRequest {
                    login: SamlLogin {
                        saml_assertion: a.expose_secret().to_string(),
                    },
                };
                (
                    "/login/samlAssertion",
                    RequestBody::encode(&request, format)?,
                    SessionKind::Saml,
                )
            }
            LoginMethod::CustomerSupport {
                user_name,
                password,
                tenant_id,
            } => {
                let pw = password.resolve().await?;
                let request = CustomerSupportLoginRequest {
                    login: CustomerSupportLogin {
                        user_name: user_name.clone(),
                        password: pw.expose_secret().to_string(),
                        client_tenant_id: tenant_id.clone(),
                    },
                };
                (
                    "/login/customerSupport",
                    RequestBody::encode(&request, format)?,
                    SessionKind::CustomerSupport {
                        tenant_id: tenant_id.clone(),
                    },
                )
            }
        };
        Ok(LoginRequest {
            path: format!("{REST}{path}"),
            body,
            kind,
        })
    }
}
