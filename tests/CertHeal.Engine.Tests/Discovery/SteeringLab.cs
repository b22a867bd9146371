using System.Diagnostics;
using CertHeal.Discovery;
using CertHeal.Keystores;
using CertHeal.Lab;

namespace CertHeal.Tests.Discovery;

/// <summary>
/// A lab HTTPS server on loopback whose root is in no system store, the stores CertHeal healed
/// for it (the chain merged under Pinned into a PEM bundle and a JKS), and runtimes started with
/// an environment free of this machine's trust variables, so each run trusts only what the test gave it.
/// </summary>
public sealed class SteeringLab : IAsyncLifetime
{
    public static readonly string[] TrustVariables =
    [
        "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "NODE_USE_SYSTEM_CA", "NODE_OPTIONS",
        "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS",
    ];

    private readonly LabFixture _lab = new();
    private readonly List<Process> _started = [];
    private LabHttpServer? _server;

    public string Work { get; } = Directory.CreateTempSubdirectory("certheal-steer-").FullName;
    public string HealedPem => Path.Combine(Work, "healed.pem");
    public string HealedJks => Path.Combine(Work, "healed.jks");
    public string Url => _server!.Url("/repo.git");
    public int Port => _server!.Port;

    public Task InitializeAsync()
    {
        var (leaf, chain) = _lab.Lab.Material(LabScenario.UntrustedRoot)!.Value;
        _server = LabHttpServer.StartTls(leaf, chain);
        var root = _lab.Lab.Untrusted.Root;
        foreach (var (path, format) in new[] { (HealedPem, KeystoreFormat.PemBundle), (HealedJks, KeystoreFormat.Jks) })
        {
            using var password = format == KeystoreFormat.Jks ? KeystorePassword.FromString("changeit") : null;
            var change = KeystoreMerger.Merge(path, format, password, [leaf, .. chain], new MergeOptions
            {
                Policy = TrustPolicy.Pinned, System = _lab.Trust, TrustedFingerprints = [CertificateFacts.Sha256Fingerprint(root)],
            }, new SaveOptions());
            Assert.True(change.Written, string.Join("; ", change.Entries.Select(e => e.Reason)));
        }
        return Task.CompletedTask;
    }

    /// <summary>A long-lived process (it waits on its stdin) with a clean environment plus <paramref name="environment"/>.</summary>
    public Process StartWaiting(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = Info(file, args, environment);
        info.RedirectStandardInput = true;
        var process = Process.Start(info)!;
        _started.Add(process);
        // Find-Keystore reads /proc/pid/exe: wait (bounded) until the process is the runtime, not the launcher it was forked from.
        // And until its environ holds what was given: under CI load one run judged a node as lacking
        // the NODE_EXTRA_CA_CERTS this test gave it (read too early, before its own environment).
        // And until its command line is the one given, which the steering reads to find the script
        // and its imports: during exec the new executable shows in /proc/pid/exe before the kernel
        // has set up the new arguments (Linux's ELF loader records them after the switch), and one
        // CI rehearsal read an empty command line there and steered a requests client for both
        // Python libraries, as for a process whose script is unknown.
        var given = args.ToList();
        for (var i = 0; i < 400 && !(ProcessRuntime.Of(new FileInfo($"/proc/{process.Id}/exe").LinkTarget) is not null && HasArguments(process.Id, given)
            && HasEnvironment(process.Id, environment)); i++)
        {
            Thread.Sleep(50);
        }
        return process;
    }

    private static bool HasArguments(int pid, List<string> given)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
            return arguments.Length > given.Count && arguments[^given.Count..].SequenceEqual(given);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool HasEnvironment(int pid, IDictionary<string, string>? wanted)
    {
        if (wanted is null || wanted.Count == 0)
        {
            return true;
        }
        try
        {
            var entries = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
            return wanted.All(w => entries.Contains($"{w.Key}={w.Value}", StringComparer.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A client run, bounded to 60 s, with a clean environment plus <paramref name="environment"/>.</summary>
    public async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(Info(file, args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 60 s.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private ProcessStartInfo Info(string file, IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = Work, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var name in TrustVariables)
        {
            info.Environment.Remove(name);
        }
        // git reads the user's global configuration: each test names its own.
        info.Environment["GIT_CONFIG_GLOBAL"] = Path.Combine(Work, "gitconfig-none");
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        return info;
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Work, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static bool Has(string tool) => DiscoveryEnvironment.FromMachine().OnPath(tool).Any();

    public async Task DisposeAsync()
    {
        foreach (var process in _started)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        await _lab.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }
}
