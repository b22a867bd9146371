// The lab as a process, so a Pester test can meet real loopback TLS servers:
//
//     dotnet CertHeal.LabHost.dll GoodChain LeafOnlyWithAia UntrustedRoot [--max-minutes N]
//
// Starts each named scenario (a LabScenario name, or LeafOnlyWithAia: a leaf-only server whose
// certificate points at a loopback AIA repository holding the missing intermediate), prints ONE
// JSON line on stdout and serves until stdin closes, then stops the servers and removes the
// lab's temp folder. The line:
//
//     {"Ports":{"GoodChain":40123,...},"TrustedRootPem":"/tmp/certheal-lab-.../trusted-roots.pem",
//      "Folder":"/tmp/certheal-lab-...","TrustedRootFingerprint":"AB..","UntrustedRootFingerprint":"CD.."}
//
// The trusted root is in no machine store: tests hand TrustedRootPem to -Keystore. The
// untrusted root's SHA-256 is what an operator would have checked out of band before pinning.
// --max-minutes (default 30) bounds the life of a host whose parent died without closing stdin.
// Exit codes: 0 stopped, 2 usage (unknown scenario).
using System.Security.Cryptography;
using System.Text.Json;
using CertHeal.Lab;

const string LeafOnlyWithAia = "LeafOnlyWithAia";
var maxLifetime = TimeSpan.FromMinutes(30);
var scenarios = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--max-minutes" && i + 1 < args.Length && int.TryParse(args[i + 1], out var minutes) && minutes > 0)
    {
        maxLifetime = TimeSpan.FromMinutes(minutes);
        i++;
    }
    else if (string.Equals(args[i], LeafOnlyWithAia, StringComparison.OrdinalIgnoreCase) || Enum.TryParse<LabScenario>(args[i], ignoreCase: true, out _))
    {
        scenarios.Add(args[i]);
    }
    else
    {
        Console.Error.WriteLine($"certheal-labhost: unknown scenario '{args[i]}'. Known: {string.Join(", ", Enum.GetNames<LabScenario>())}, {LeafOnlyWithAia}.");
        return 2;
    }
}
if (scenarios.Count == 0)
{
    Console.Error.WriteLine("usage: CertHeal.LabHost <scenario>... [--max-minutes N]");
    return 2;
}

await using var lab = Lab.Create();
var ports = new SortedDictionary<string, int>(StringComparer.Ordinal);
foreach (var name in scenarios)
{
    if (string.Equals(name, LeafOnlyWithAia, StringComparison.OrdinalIgnoreCase))
    {
        // The repository is registered with the lab, which stops it on dispose.
        ports[LeafOnlyWithAia] = lab.StartLeafOnlyWithAia(out _).Port;
    }
    else
    {
        var scenario = Enum.Parse<LabScenario>(name, ignoreCase: true);
        ports[scenario.ToString()] = lab.Start(scenario).Port;
    }
}

var line = JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["Ports"] = ports,
    ["TrustedRootPem"] = lab.WriteTrustedRootPem(),
    ["Folder"] = lab.Folder,
    ["TrustedRootFingerprint"] = Convert.ToHexString(lab.Trusted.Root.GetCertHash(HashAlgorithmName.SHA256)),
    ["UntrustedRootFingerprint"] = Convert.ToHexString(lab.Untrusted.Root.GetCertHash(HashAlgorithmName.SHA256)),
});
Console.Out.WriteLine(line);
Console.Out.Flush();

// Stdin closing is the stop signal (the parent closed it, exited or died); the lifetime bound
// catches a parent that keeps the pipe open forever.
var stdinClosed = Task.Run(() =>
{
    using var stdin = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (stdin.Read(buffer, 0, buffer.Length) > 0)
    {
    }
});
await Task.WhenAny(stdinClosed, Task.Delay(maxLifetime));
return 0;
