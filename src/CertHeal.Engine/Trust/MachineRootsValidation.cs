using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertHeal.Trust;

/// <summary>
/// How the engine trusts an https server it fetches PKI data from (an AIA, OCSP or CRL URL, or a
/// redirect to one): the machine's roots, as CertHeal reads them (<see cref="TrustAnchors.System"/>).
/// The runtime's verdict stands when it trusts the chain. The CLI's probe runs keep the runtime's
/// own copy of the machine store empty (they never trust through it), so there a chain the runtime
/// could not anchor is built again over the same roots read from the same files.
/// </summary>
internal static class MachineRootsValidation
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    public static bool Accepts(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf)
        {
            return false;
        }
        var machine = TrustAnchors.System;
        using var rebuilt = new X509Chain();
        rebuilt.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        rebuilt.ChainPolicy.CustomTrustStore.AddRange(machine.Roots);
        rebuilt.ChainPolicy.ExtraStore.AddRange(machine.Intermediates);
        if (chain is not null)
        {
            rebuilt.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }
        rebuilt.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuth));
        rebuilt.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return rebuilt.Build(leaf);
    }
}
