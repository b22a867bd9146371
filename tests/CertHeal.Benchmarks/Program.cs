using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertHeal.Benchmarks;
using CertHeal.Keystores;

// CertHeal's benchmarks: every figure next to a peer's figure from the same run, as a ratio.
// `dotnet run -c Release --project tests/CertHeal.Benchmarks [-- --quick] [-- --only probe,merge]`; README "Performance".
if (args.Length > 0 && args[0] == "--child")
{
    return await Children.RunAsync(args[1..]);
}
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var quick = args.Contains("--quick");
// --only probe,chain,merge,handler,startup,ledger,fleet runs those sections alone, --merge-sizes 10000 the merge
// at the sizes given, --keep keeps the work folder
// (for profiling one hot path by hand).
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',') ?? ["probe", "chain", "merge", "handler", "startup", "ledger", "fleet"];
var self = Environment.ProcessPath!;
var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? new[] { typeof(Program).Assembly.Location } : [];
var certheal = Path.Combine(AppContext.BaseDirectory, "certheal.dll");
var work = Directory.CreateTempSubdirectory("certheal-bench-").FullName;
var rows = new List<Row>();
Console.Error.WriteLine($"CertHeal benchmarks in {work} ({Environment.ProcessorCount} cores, {(quick ? "quick" : "full")} run)");

using var root = Mint("CN=Bench Root CA", null, ca: true);
using var intermediate = Mint("CN=Bench Issuing CA", root, ca: true);
using var leaf = Mint("CN=localhost", intermediate, ca: false);
var rootPem = Path.Combine(work, "root.pem");
File.WriteAllText(rootPem, root.ExportCertificatePem() + "\n");
using var nginx = Nginx.Start(Path.Combine(work, "nginx"), leaf, intermediate);
var target = $"127.0.0.1:{nginx.Port}";

Measured Self(params string[] childArgs) => Check(Measured.Run(self, [.. selfArgs, "--child", .. childArgs], TimeSpan.FromMinutes(10)));
// In-process comparisons (handler vs HttpClient) count the measured loop alone, not process start and trust loading.
Measured SelfLoop(params string[] childArgs)
{
    var m = Self(childArgs);
    return m with { Elapsed = TimeSpan.FromMilliseconds(double.Parse(Field(m, "loop-ms"), CultureInfo.InvariantCulture)) };
}
// The merges record into a ledger of the run's own, never the user's ~/.certheal.
var cliEnvironment = new Dictionary<string, string> { ["BENCH_PASSWORD"] = "changeit", ["CERTHEAL_LEDGER"] = Path.Combine(work, "ledger.json") };
// Every certheal row runs the native certheal, the artifact for linux-x64 (tools/benchmark.sh publishes
// it); the dotnet tool (JIT-compiled, on the machine's .NET) is measured beside it where it says so.
var nativeCli = Path.Combine(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../..")), "out/native/certheal");
if (!File.Exists(nativeCli))
{
    throw new InvalidOperationException($"The native certheal is not at {nativeCli}: run tools/benchmark.sh (it publishes it) or ./build.ps1 -Native.");
}
Measured Cli(string[] cliArgs, string? stdin = null) => Measured.Run(nativeCli, cliArgs, TimeSpan.FromMinutes(10), stdin, cliEnvironment);
Measured ToolCli(string[] cliArgs) => Measured.Run("dotnet", [certheal, .. cliArgs], TimeSpan.FromMinutes(10), null, cliEnvironment);
Measured Tool(string file, params string[] toolArgs) => Check(Measured.Run(file, toolArgs, TimeSpan.FromMinutes(10)));

// 1. Probe throughput and memory: certheal test over N targets vs a bare SslStream loop over the same targets, same
// concurrency, table and --json output; then with revocation checking (soft-fail) vs the same loop that also fetches OCSP
// once per certificate and each issuer's CRL once. The targets are 256 distinct leaves under 4 issuers (ProbeTargets.cs),
// so every leaf is judged and checked; revocation is explicit on every row (certheal's default is soft).
if (only.Contains("probe"))
{
    const int throttle = 256;
    using var probeTargets = ProbeTargets.Start(Path.Combine(work, "probe"), root);
    var ports = string.Join(',', probeTargets.Ports);
    var probeSizes = args.SkipWhile(a => a != "--probe-sizes").Skip(1).FirstOrDefault()?.Split(',').Select(int.Parse).ToArray()
        ?? (quick ? [1_000] : [1_000, 10_000]);
    foreach (var n in probeSizes)
    {
        var targets = probeTargets.Targets(n).ToArray();
        Measured Probe(string revocation, bool json, bool tool = false)
        {
            string[] probeArgs = ["test", .. targets, "--throttle", throttle.ToString(), "--keystore", rootPem, "--no-aia", "--revocation", revocation, .. json ? new[] { "--json" } : []];
            var m = tool ? ToolCli(probeArgs) : Cli(probeArgs);
            RequireAllSucceeded(m, n);
            return m;
        }
        // Each side runs several times, alternated with its peer, and the row reports the median time
        // and the highest peak: a single 10,000-target run swung by 15 % between runs of this machine.
        var reps = quick ? 1 : 5;
        var raws = new List<Measured>();
        var tables = new List<Measured>();
        var jsons = new List<Measured>();
        var toolJsons = new List<Measured>();
        var rawRevocations = new List<Measured>();
        var revocations = new List<Measured>();
        for (var rep = 0; rep < reps; rep++)
        {
            raws.Add(Self("raw-targets", n.ToString(), throttle.ToString(), ports));
            // Outputs are checked by Probe and dropped: a 10,000-target --json is about 60 MB.
            tables.Add(Probe("off", json: false) with { Stdout = "" });
            jsons.Add(Probe("off", json: true) with { Stdout = "" });
            if (rep == 0)
            {
                toolJsons.Add(Probe("off", json: true, tool: true) with { Stdout = "" });
            }
            rawRevocations.Add(Self("raw-revocation", n.ToString(), throttle.ToString(), ports, rootPem));
            var revocation = Probe("soft", json: true);
            // Every leaf and intermediate must have been answered (Good): a soft-fail Unknown would measure less work.
            var good = revocation.Stdout.Split("\"Revocation\": \"Good\"").Length - 1;
            if (good != 2 * n)
            {
                throw new InvalidOperationException($"certheal test --revocation soft answered {good} of {2 * n} revocation checks Good: {revocation.Stdout[..Math.Min(1500, revocation.Stdout.Length)]}");
            }
            revocations.Add(revocation with { Stdout = "" });
        }
        var runs = $"median of {reps}, highest peak";
        var raw = MedianTimeHighestPeak(raws);
        rows.Add(new Row($"Probe (native `certheal test`, throttle {throttle}, {ProbeTargets.Leaves} leaves, revocation off, table) vs bare SslStream loop", n,
            MedianTimeHighestPeak(tables), raw, "SslStream loop", 0.9, maxMb: 150, note: runs));
        rows.Add(new Row($"Probe (native `certheal test --json`, throttle {throttle}, {ProbeTargets.Leaves} leaves, revocation off) vs bare SslStream loop", n,
            MedianTimeHighestPeak(jsons), raw, "SslStream loop", 0.9, maxMb: 150, note: runs));
        rows.Add(new Row($"Probe (dotnet tool `certheal test --json`, as above) vs bare SslStream loop", n, toolJsons[0], raw, "SslStream loop", null,
            note: "one run; the JIT-compiled artifact, for information"));
        rows.Add(new Row($"Probe with revocation (native `certheal test --revocation soft --json`, OCSP + CRL on loopback) vs SslStream loop + OCSP per certificate + CRL per issuer", n,
            MedianTimeHighestPeak(revocations), MedianTimeHighestPeak(rawRevocations), "SslStream loop + fetches", 0.8, maxMb: 150, note: runs));
    }
}

// 2. Chain capture per target: one certheal chain over M targets vs a loop of openssl s_client -showcerts (and keytool -printcert -sslserver).
if (only.Contains("chain"))
{
    var m = quick ? 20 : 50;
    var chain = Cli(["chain", .. Enumerable.Repeat(target, m), "--no-aia", "--keystore", rootPem]);
    Check(chain);
    var openssl = Loop(m, () => Tool("sh", "-c", $"openssl s_client -connect {target} -servername localhost -showcerts </dev/null >/dev/null 2>&1"));
    rows.Add(new Row("Chain capture (`certheal chain`) vs `openssl s_client -showcerts` loop", m, chain, openssl, "openssl s_client loop", 1.0));
    var k = quick ? 3 : 10;
    var keytool = Loop(k, () => Tool("keytool", "-printcert", "-sslserver", target));
    rows.Add(new Row("Chain capture (`certheal chain`) vs `keytool -printcert -sslserver` loop", m, Scale(chain, (double)k / m), keytool, "keytool loop", null,
        note: $"keytool measured over {k} targets, CertHeal's time scaled to the same count"));
}

// 3. Merge N new certificates into an N-entry store (PEM bundle, PKCS#12, JKS), each compared with
// keytool -importkeystore doing the JKS work at the same size (one keytool run per size, the peer of
// all three rows). Every measured merge records into a ledger in a stated state (MergeLedgers): empty,
// and at 10,000 also a copy of a seeded 100,000-entry ledger. Memory flatness: peak at the largest
// size minus peak at the smallest (MergeFlatness).
if (only.Contains("merge"))
{
    var sizes = args.SkipWhile(a => a != "--merge-sizes").Skip(1).FirstOrDefault()?.Split(',').Select(int.Parse).ToArray()
        ?? (quick ? [2_500] : [2_500, 5_000, 10_000, 20_000]);
    var certificates = MintMany(2 * sizes.Max());
    var password = KeystorePassword.FromString("changeit");
    var ledgers = new MergeLedgers(work);
    var peaks = new Dictionary<(string, int), Measured>();
    const string emptyLedger = "empty ledger";
    var seededLedger = $"{MergeLedgers.SeededEntries:N0}-entry ledger";
    foreach (var n in sizes)
    {
        var incomingPem = Path.Combine(work, $"incoming-{n}.pem");
        File.WriteAllText(incomingPem, string.Join("\n", certificates.Skip(n).Take(n).Select(c => c.ExportCertificatePem())) + "\n");
        var incomingP12 = Path.Combine(work, $"incoming-{n}.p12");
        WriteStore(incomingP12, KeystoreFormat.Pkcs12, password, certificates.Skip(n).Take(n));
        var stores = new Dictionary<KeystoreFormat, string>();
        foreach (var format in new[] { KeystoreFormat.PemBundle, KeystoreFormat.Pkcs12, KeystoreFormat.Jks })
        {
            var ext = format switch { KeystoreFormat.PemBundle => "pem", KeystoreFormat.Pkcs12 => "p12", _ => "jks" };
            stores[format] = Path.Combine(work, $"store-{n}.{ext}");
            WriteStore(stores[format], format, password, certificates.Take(n));
            File.Copy(stores[format], stores[format] + ".orig", overwrite: true);
        }
        var keytoolStore = Path.Combine(work, $"keytool-{n}.jks");
        File.Copy(stores[KeystoreFormat.Jks] + ".orig", keytoolStore, overwrite: true);
        var keytool = Tool("keytool", "-importkeystore", "-srckeystore", incomingP12, "-srcstoretype", "PKCS12", "-srcstorepass", "changeit",
            "-destkeystore", keytoolStore, "-deststoretype", "JKS", "-deststorepass", "changeit", "-noprompt");
        File.Delete(keytoolStore);
        foreach (var (format, store) in stores)
        {
            foreach (var (ledgerName, ledger) in n == 10_000 ? new[] { (emptyLedger, ledgers.Empty()), (seededLedger, ledgers.Seeded()) } : [(emptyLedger, ledgers.Empty())])
            {
                File.Copy(store + ".orig", store, overwrite: true);
                string[] mergeArgs = ["merge", store, incomingPem, "--policy", "TrustOnFirstUse", "--force", "--password-env", "BENCH_PASSWORD", "--ledger", ledger, "--json"];
                var merge = Check(Cli(mergeArgs));
                if (!merge.Stdout.Contains($"\"Added\": {n}", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"The merge into {store} did not add {n} certificates: {merge.Stdout[..Math.Min(400, merge.Stdout.Length)]}");
                }
                var stamp = File.GetLastWriteTimeUtc(store);
                var again = Check(Cli(mergeArgs));
                if (File.GetLastWriteTimeUtc(store) != stamp)
                {
                    throw new InvalidOperationException($"A merge that changed nothing rewrote {store}.");
                }
                if (ledgerName == emptyLedger)
                {
                    peaks[(format.ToString(), n)] = merge;
                }
                rows.Add(new Row($"Merge into {format} (`certheal merge`, {ledgerName}) vs `keytool -importkeystore` (JKS)", n, merge, keytool, "keytool", 3.0, maxMb: 200));
                rows.Add(new Row($"Merge into {format} that changes nothing (read only, no write; {ledgerName})", n, again, null, "-", null));
            }
            if (!args.Contains("--keep"))
            {
                File.Delete(store + ".orig"); // --keep leaves the unmerged stores for profiling by hand
            }
        }
    }
    rows.AddRange(MergeFlatness.Rows(peaks, emptyLedger));
}

// 4. The heal handler's happy path vs a plain HttpClient; time-to-heal of an incomplete chain.
if (only.Contains("handler"))
{
    var gets = quick ? 500 : 10_000; // long enough that JIT tier-up and one GC do not decide the ratio
    var url = $"https://localhost:{nginx.Port}/";
    var keystore = Path.Combine(work, "heal-truststore.pem");
    File.Copy(rootPem, keystore, overwrite: true);
    foreach (var mode in new[] { "keepalive", "close" })
    {
        var count = mode == "close" ? gets / 4 : gets;
        // Alternated, medians: one pair of 10,000-GET loops swung from 0.75x to 1.18x between runs here.
        var reps = quick ? 1 : 5;
        var plains = new List<Measured>();
        var heals = new List<Measured>();
        for (var rep = 0; rep < reps; rep++)
        {
            plains.Add(SelfLoop("http", mode, count.ToString(), rootPem, url));
            heals.Add(SelfLoop("heal", mode, count.ToString(), keystore, url));
        }
        rows.Add(new Row($"HealingHttpHandler GETs ({(mode == "keepalive" ? "keep-alive" : "new connection each")}) vs plain HttpClient", count,
            MedianTimeHighestPeak(heals), MedianTimeHighestPeak(plains), "HttpClient", 1 / 1.05, note: $"median of {reps}, highest peak"));
    }
    var once = SelfLoop("heal-once");
    rows.Add(new Row($"Time to heal an incomplete chain (AIA fetch, merge, retry; {Field(once, "done").Replace(";", ", ")})", 1, once, null, "-", null));
}

// 5. Start-up: one target end to end vs one openssl s_client, for each artifact users run: the native
// certheal (NativeAOT, out/native/certheal; tools/benchmark.sh publishes it) and the dotnet tool.
// Then Import-Module of the assembled module in fresh pwsh processes vs a module pwsh ships.
if (only.Contains("startup"))
{
    var runs = quick ? 3 : 7;
    var startupRepo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    string[] one = ["test", target, "--keystore", rootPem, "--no-aia"];
    string[] oneSystem = ["test", target, "--no-aia"];
    // The machine's own store with the bench root added, as an admin adds a private root: every
    // file of the Debian bundle and /etc/ssl/certs is read, by certheal and by openssl alike (both
    // honour SSL_CERT_FILE and SSL_CERT_DIR). openssl verifies the chain and fails on a bad one.
    var machineBundle = Path.Combine(work, "machine-bundle.crt");
    File.WriteAllText(machineBundle, File.ReadAllText(rootPem) + "\n" + (File.Exists("/etc/ssl/certs/ca-certificates.crt") ? File.ReadAllText("/etc/ssl/certs/ca-certificates.crt") : ""));
    var machineStore = new Dictionary<string, string> { ["CERTHEAL_LEDGER"] = Path.Combine(work, "ledger.json"), ["SSL_CERT_FILE"] = machineBundle, ["SSL_CERT_DIR"] = "/etc/ssl/certs" };
    var opensslVerify = $"openssl s_client -connect {target} -servername localhost -verify_return_error </dev/null >/dev/null 2>&1";
    // The least a .NET program does for the same answer (one SslStream handshake whose chain must
    // verify under the same root; NativeAOT like the native certheal; tools/benchmark.sh
    // publishes it). It lets the runtime read the machine store, which certheal's probe runs skip.
    var bare = Path.Combine(startupRepo, "out/bareclient/CertHeal.Benchmarks.BareClient");
    if (!File.Exists(bare))
    {
        throw new InvalidOperationException($"The bare .NET client is not at {bare}: run tools/benchmark.sh (it publishes it).");
    }
    string[] bareArgs = ["127.0.0.1", nginx.Port.ToString(CultureInfo.InvariantCulture), rootPem];
    // Alternated, so drift on a shared machine falls on all of them alike; the median of each.
    var bareRuns = new List<Measured>();
    var nativeRuns = new List<Measured>();
    var systemRuns = new List<Measured>();
    var toolRuns = new List<Measured>();
    var opensslRuns = new List<Measured>();
    var opensslSystemRuns = new List<Measured>();
    Measured Machine(string file, string[] toolArgs) => Check(Measured.Run(file, toolArgs, TimeSpan.FromMinutes(1), null, machineStore));
    Check(Cli(one));
    Machine(nativeCli, oneSystem);
    Check(Tool(bare, bareArgs));
    for (var i = 0; i < runs; i++)
    {
        nativeRuns.Add(Check(Cli(one)));
        systemRuns.Add(Machine(nativeCli, oneSystem));
        bareRuns.Add(Tool(bare, bareArgs));
        toolRuns.Add(Check(ToolCli(one)));
        opensslRuns.Add(Tool("sh", "-c", $"openssl s_client -connect {target} -servername localhost </dev/null >/dev/null 2>&1"));
        opensslSystemRuns.Add(Machine("sh", ["-c", opensslVerify]));
    }
    var openssl = MedianOf(opensslRuns);
    rows.Add(new Row("Start-up: native `certheal test` (out/native/certheal, NativeAOT linux-x64) of one target, trust from --keystore, vs one `openssl s_client`", 1,
        MedianOf(nativeRuns), openssl, "openssl s_client", 0.5, note: $"median of {runs}"));
    rows.Add(new Row("Start-up: native `certheal test` of one target under the machine store (Debian bundle + bench root, /etc/ssl/certs) vs one `openssl s_client -verify_return_error` under the same store", 1,
        MedianOf(systemRuns), MedianOf(opensslSystemRuns), "openssl s_client, verifying", 0.5, note: $"median of {runs}"));
    rows.Add(new Row("Start-up: native `certheal test` (--keystore) vs a bare NativeAOT .NET client (one SslStream handshake whose chain must verify under the same root)", 1,
        MedianOf(nativeRuns), MedianOf(bareRuns), "bare .NET client", null, note: $"median of {runs}; the runtime reads the machine store in the bare client"));
    rows.Add(new Row("Start-up: dotnet tool `certheal test` (`dotnet certheal.dll`) of one target vs one `openssl s_client`", 1,
        MedianOf(toolRuns), openssl, "openssl s_client", null, note: $"median of {runs}"));
    var pwsh = ImportModuleTimer.FindPwsh(startupRepo);
    var module = Path.Combine(startupRepo, "src/CertHeal/bin/Release/module/CertHeal/CertHeal.psd1");
    if (pwsh is null || !File.Exists(module))
    {
        Console.Error.WriteLine($"startup: Import-Module skipped ({(pwsh is null ? "no pwsh (run tools/test.sh once, or set CERTHEAL_PWSH)" : "src/CertHeal is not built")})");
    }
    else
    {
        const int imports = 10;
        var imported = ImportModuleTimer.Median(pwsh, module, imports);
        var shipped = ImportModuleTimer.Median(pwsh, "Microsoft.PowerShell.PSResourceGet", imports);
        rows.Add(new Row("Start-up: `Import-Module CertHeal` (assembled module folder) in a fresh pwsh vs `Import-Module Microsoft.PowerShell.PSResourceGet`", 1,
            imported, shipped, "PSResourceGet", null, maxMs: 300, note: $"median of {imports} fresh pwsh processes, timed inside pwsh; peak MB: that pwsh's engine"));
    }
}

// 6. A small merge (3 certificates into a 100-entry PEM bundle) with a 100,000-entry trust ledger
// (1,000 stores, half of them deleted, seeded as the ledger scale test seeds it) vs the same merge
// with an empty ledger: a merge reads and writes only the records it touches, so the size must not show.
if (only.Contains("ledger"))
{
    const int stores = 1_000, perStore = 100, storeSize = 100, batch = 3;
    var runs = quick ? 3 : 7;
    var certificates = MintMany(storeSize + 2 * (runs + 1) * batch);
    var storePem = string.Concat(certificates.Take(storeSize).Select(c => c.ExportCertificatePem() + "\n"));
    var emptyLedger = Path.Combine(work, "ledger-empty", "ledger.json");
    var bigLedger = Path.Combine(work, "ledger-100k", "ledger.json");
    var seeded = Stopwatch.StartNew();
    var recordedStores = Directory.CreateDirectory(Path.Combine(work, "ledger-stores")).FullName;
    CertHeal.TestSupport.LedgerSeed.Seed(bigLedger, stores, perStore, s => Path.Combine(recordedStores, $"store{s}.pem"));
    for (var s = 0; s < stores; s += 2)
    {
        File.WriteAllText(Path.Combine(recordedStores, $"store{s}.pem"), ""); // the odd ones are the deleted stores
    }
    Console.Error.WriteLine($"ledger: seeded {stores * perStore:N0} entries across {stores:N0} stores in {seeded.Elapsed.TotalSeconds:0.0} s");
    var next = storeSize;
    Measured SmallMerge(string ledger)
    {
        var store = Path.Combine(work, $"ledger-merge-{next}.pem");
        File.WriteAllText(store, storePem);
        var incoming = Path.Combine(work, $"ledger-incoming-{next}.pem");
        File.WriteAllText(incoming, string.Concat(certificates.Skip(next).Take(batch).Select(c => c.ExportCertificatePem() + "\n")));
        next += batch;
        var merge = Check(Cli(["merge", store, incoming, "--policy", "TrustOnFirstUse", "--force", "--ledger", ledger, "--json"]));
        if (!merge.Stdout.Contains($"\"Added\": {batch}", StringComparison.Ordinal) || merge.Stderr.Length > 0)
        {
            throw new InvalidOperationException($"The ledger benchmark's merge did not add {batch} certificates cleanly: {merge.Stderr.Trim()} {merge.Stdout[..Math.Min(400, merge.Stdout.Length)]}");
        }
        return merge;
    }
    SmallMerge(emptyLedger); // one unmeasured merge on each ledger first (file cache, first-run costs)
    SmallMerge(bigLedger);
    // Alternated, so drift on a shared machine falls on both alike; the median of each.
    var onEmpty = new List<Measured>();
    var onBig = new List<Measured>();
    for (var i = 0; i < runs; i++)
    {
        onEmpty.Add(SmallMerge(emptyLedger));
        onBig.Add(SmallMerge(bigLedger));
    }
    rows.Add(new Row($"Small merge ({batch} certificates into a {storeSize}-entry PemBundle) with a 100,000-entry / 1,000-store trust ledger vs with an empty ledger",
        stores * perStore, MedianOf(onBig), MedianOf(onEmpty), "same merge, empty ledger", 0.8, note: $"median of {runs} runs each"));
}

// 7. A fleet over PowerShell remoting (issue #23): the README's Fleets workflow on N lab hosts (each its
// own 127.0.0.N, sshd and /etc/ssl/certs; tests/Fleet/FleetLab.ps1), run by a controlling pwsh one
// `Invoke-Command -HostName` at a time vs `Invoke-Command -Session ... -ThrottleLimit 4`, same lab, same
// run. Wall time of each controlling pwsh, and its peak memory (VmHWM). Needs Linux, root, sshd and a
// pwsh 7.4+ (CERTHEAL_PWSH, out/tools/pwsh/pwsh from tools/test.sh, or pwsh on PATH); skipped otherwise.
if (only.Contains("fleet"))
{
    var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    var pwsh = new[] { Environment.GetEnvironmentVariable("CERTHEAL_PWSH"), Path.Combine(repo, "out/tools/pwsh/pwsh") }
        .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "pwsh")).FirstOrDefault(File.Exists);
    var module = new[] { "Release", "Debug" }.Select(c => Path.Combine(repo, $"src/CertHeal/bin/{c}/module/CertHeal")).FirstOrDefault(d => File.Exists(Path.Combine(d, "CertHeal.psd1")));
    var skip = !OperatingSystem.IsLinux() ? "not Linux" : Environment.UserName != "root" ? "not root" : !File.Exists("/usr/sbin/sshd") ? "no /usr/sbin/sshd"
        : pwsh is null ? "no pwsh (run tools/test.sh once, or set CERTHEAL_PWSH)" : module is null ? "src/CertHeal is not built" : null;
    if (skip is not null)
    {
        Console.Error.WriteLine($"fleet: skipped ({skip})");
    }
    else
    {
        var hosts = quick ? 8 : 16;
        var fingerprint = Convert.ToHexString(root.GetCertHash(HashAlgorithmName.SHA256));
        var fleet = Check(Measured.Run(pwsh!, ["-NoProfile", "-NonInteractive", "-File", Path.Combine(repo, "tests/Fleet/FleetBenchmark.ps1"),
            "-Target", target, "-Fingerprint", fingerprint, "-ModulePath", module!, "-Count", hosts.ToString(CultureInfo.InvariantCulture), "-ThrottleLimit", "4"], TimeSpan.FromMinutes(20)));
        Measured Figure(string mode) => new(TimeSpan.FromMilliseconds(double.Parse(Field(fleet, $"{mode}-ms"), CultureInfo.InvariantCulture)),
            double.Parse(Field(fleet, $"{mode}-mb"), CultureInfo.InvariantCulture), 0, "", "");
        rows.Add(new Row("Fleet over PowerShell remoting (SSH): Test-TlsHandshake, then Get-ServerCertificateChain piped to Merge-Keystore -WhatIf, on every host, `Invoke-Command -Session -ThrottleLimit 4` vs one `Invoke-Command -HostName` after another",
            int.Parse(Field(fleet, "hosts"), CultureInfo.InvariantCulture), Figure("throttled"), Figure("sequential"), "sequential", null,
            note: "hosts; peak MB: the controlling pwsh; session start-up included"));
    }
}

Console.WriteLine(Row.Table(rows));
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; nginx 1 worker, ECDSA P-256 leaf + intermediate; {DateTime.UtcNow:yyyy-MM-dd}.");
if (args.Contains("--keep"))
{
    // For profiling one step by hand (dotnet-trace) on the same stores.
    Console.Error.WriteLine($"Kept {work}");
}
else
{
    Directory.Delete(work, recursive: true);
}
return 0;

static Measured Check(Measured m) => m.ExitCode == 0 ? m
    : throw new InvalidOperationException($"a benchmark step failed (exit {m.ExitCode}): {m.Stderr.Trim()} {m.Stdout[..Math.Min(400, m.Stdout.Length)]}");

static void RequireAllSucceeded(Measured m, int n)
{
    if (m.ExitCode != 0)
    {
        throw new InvalidOperationException($"certheal test did not succeed for all {n} targets (exit {m.ExitCode}): {m.Stderr.Trim()} {m.Stdout[..Math.Min(600, m.Stdout.Length)]}");
    }
}

static Measured Loop(int count, Func<Measured> one)
{
    var runs = Enumerable.Range(0, count).Select(_ => one()).ToList();
    return new Measured(TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), runs.Max(r => r.PeakMb), 0, "", "");
}

static Measured MedianOf(List<Measured> runs) => runs.OrderBy(r => r.Elapsed).ElementAt(runs.Count / 2);

static Measured MedianTimeHighestPeak(List<Measured> runs) => MedianOf(runs) with { PeakMb = runs.Max(r => r.PeakMb), Stdout = "" };

static Measured Scale(Measured m, double factor) => m with { Elapsed = TimeSpan.FromTicks((long)(m.Elapsed.Ticks * factor)) };

static string Field(Measured m, string name)
{
    var at = m.Stdout.IndexOf(name + "=", StringComparison.Ordinal);
    return at < 0 ? "" : m.Stdout[(at + name.Length + 1)..].Split([' ', '\n'])[0];
}

static X509Certificate2 Mint(string subject, X509Certificate2? issuer, bool ca)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
    request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
    request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    if (!ca)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
    }
    var now = DateTimeOffset.UtcNow;
    if (issuer is null)
    {
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }
    request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
    using var signed = request.Create(issuer, now.AddDays(-1), now.AddYears(ca ? 5 : 1), RandomNumberGenerator.GetBytes(12));
    return signed.CopyWithPrivateKey(key);
}

// Many distinct self-signed CA certificates, cheaply: one key, a different name and serial each.
static List<X509Certificate2> MintMany(int count)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var now = DateTimeOffset.UtcNow;
    var list = new List<X509Certificate2>(count);
    for (var i = 0; i < count; i++)
    {
        var request = new CertificateRequest($"CN=Bench CA {i:D6}, O=CertHeal Bench", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        list.Add(X509CertificateLoader.LoadCertificate(made.RawData));
    }
    return list;
}

static void WriteStore(string path, KeystoreFormat format, KeystorePassword password, IEnumerable<X509Certificate2> certificates)
{
    if (File.Exists(path))
    {
        File.Delete(path);
    }
    KeystoreFile.Update(path, format, password, keystore =>
    {
        var i = 0;
        foreach (var certificate in certificates)
        {
            keystore.Entries.Add(new KeystoreEntry
            {
                Alias = $"bench-{i++:D6}",
                EntryType = KeystoreEntryType.TrustedCertificate,
                Certificate = certificate,
                CreationDate = DateTime.UtcNow,
            });
        }
        return true;
    }, new SaveOptions());
}

/// <summary>One line of the table: CertHeal's figure, the peer's, and CertHeal's speed relative to the peer.</summary>
internal sealed record Row(string Name, int Size, Measured Subject, Measured? Peer, string PeerName, double? Goal, double? maxMb = null, string? note = null, double? maxMs = null)
{
    public double? Ratio => Peer is null ? null : Peer.Elapsed.TotalMilliseconds / Math.Max(1, Subject.Elapsed.TotalMilliseconds);

    public static string Table(IEnumerable<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| Benchmark | Size | CertHeal | Peer | Peer's time | Speed vs peer | CertHeal peak MB | Peer peak MB | Goal | Met |");
        text.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            var goals = new List<string>();
            var met = true;
            if (r.Goal is { } g)
            {
                goals.Add($">= {g:0.00}x");
                met &= r.Ratio >= g;
            }
            if (r.maxMs is { } ms)
            {
                goals.Add($"< {ms:0} ms");
                met &= r.Subject.Elapsed.TotalMilliseconds < ms;
            }
            if (r.maxMb is { } mb)
            {
                goals.Add($"< {mb:0} MB");
                met &= r.Subject.PeakMb < mb;
            }
            text.AppendLine($"| {r.Name}{(r.note is null ? "" : $" ({r.note})")} | {r.Size:N0} | {Ms(r.Subject.Elapsed)} | {r.PeerName} | {(r.Peer is null ? "-" : Ms(r.Peer.Elapsed))} | " +
                $"{(r.Ratio is { } x ? $"{x:0.00}x" : "-")} | {r.Subject.PeakMb:0} | {(r.Peer is null ? "-" : $"{r.Peer.PeakMb:0}")} | " +
                $"{(goals.Count == 0 ? "-" : string.Join(", ", goals))} | {(goals.Count == 0 ? "-" : met ? "yes" : "**no**")} |");
        }
        return text.ToString();
    }

    private static string Ms(TimeSpan t) => t.TotalSeconds >= 10 ? $"{t.TotalSeconds:0.0} s" : $"{t.TotalMilliseconds:0} ms";
}
