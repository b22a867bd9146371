using System.Management.Automation;
using System.Security;

namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>
/// SecureString and PSCredential made in C#, for tests that hand many secrets in as parameters. Scripts
/// that show how users pass a password make it with the real ConvertTo-SecureString instead (the hosted
/// engine is Microsoft.PowerShell.SDK, whose built-in modules autoload).
/// </summary>
public static class Secrets
{
    /// <summary>A new read-only SecureString holding <paramref name="text"/>.</summary>
    public static SecureString Of(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }
        secure.MakeReadOnly();
        return secure;
    }

    /// <summary>keytool's well-known default password, new each time (a SecureString is disposable).</summary>
    public static SecureString ChangeIt => Of("changeit");

    public static PSCredential Credential(string password, string user = "keystore") => new(user, Of(password));
}
