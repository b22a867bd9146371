using System.Management.Automation;
using System.Security;
using CertHeal.Keystores;

namespace CertHeal.Internal;

/// <summary>-Password (SecureString) or -Credential (its password) as the engine's KeystorePassword.</summary>
internal static class PasswordBinding
{
    public static KeystorePassword? From(SecureString? password, PSCredential? credential) =>
        password is not null ? KeystorePassword.FromSecureString(password)
        : credential is not null ? KeystorePassword.FromSecureString(credential.Password)
        : null;
}
