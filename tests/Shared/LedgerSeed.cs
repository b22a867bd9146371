using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CertHeal.Trust;

namespace CertHeal.TestSupport;

/// <summary>
/// A large trust ledger built in seconds, not by merges: the ledger scale test and the ledger
/// benchmark seed the same 100,000-entry / 1,000-store ledger from here (linked, one source).
/// Entry n is a made-up certificate whose fingerprint is SHA-256 of n's digits; store s holds
/// entries s * perStore ... s * perStore + perStore - 1.
/// </summary>
internal static class LedgerSeed
{
    public static readonly DateTime Time = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static string Fingerprint(int n) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture))));

    public static LedgerEntry FakeEntry(int n, string store) => new()
    {
        Sha256Fingerprint = Fingerprint(n),
        Subject = $"CN=Ledger scale {n}",
        Issuer = "CN=Ledger scale CA",
        NotBefore = Time,
        NotAfter = Time.AddYears(5),
        Sources = ["https://scale.test:443/"],
        Policy = "ChainToTrusted",
        ApprovedBy = "ChainToTrusted: test",
        FirstRecorded = Time,
        LastRecorded = Time,
        Stores = [store],
    };

    /// <summary>Records <paramref name="stores"/> × <paramref name="perStore"/> entries, store s at <paramref name="storePath"/>(s).</summary>
    public static void Seed(string ledger, int stores, int perStore, Func<int, string> storePath)
    {
        TrustLedger.FlushRecords = false;
        try
        {
            TrustLedger.RecordMany(ledger, Enumerable.Range(0, stores).SelectMany(s => Enumerable.Range(0, perStore).Select(i => FakeEntry(s * perStore + i, storePath(s)))));
        }
        finally
        {
            TrustLedger.FlushRecords = true;
        }
    }
}
