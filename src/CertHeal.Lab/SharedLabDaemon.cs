using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace CertHeal.Lab;

/// <summary>
/// One lab daemon shared by every test process on this machine (the test projects run side by
/// side under <c>dotnet test</c>, and each used to start its own PostgreSQL). The first process
/// to ask starts it under a hierarchy minted for the group and publishes port and CA in a state
/// file; later processes take a lease on it. The owner keeps it (and the AIA repository the leaf
/// points at) running until no live process holds a lease, so one project finishing early never
/// pulls the server from under another. Every wait is bounded.
/// </summary>
public sealed class SharedLabDaemon : IAsyncDisposable
{
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan LeaseWait = TimeSpan.FromMinutes(15);

    private readonly string _folder;
    private readonly string _lease;
    private readonly Owned? _owned;
    private int _disposed;

    private SharedLabDaemon(string folder, string lease, int port, X509Certificate2 root, X509Certificate2 intermediate, Owned? owned)
    {
        _folder = folder;
        _lease = lease;
        Port = port;
        Root = root;
        Intermediate = intermediate;
        _owned = owned;
    }

    /// <summary>The daemon's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The group's root: trust it to trust the daemon's leaf.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The intermediate the leaf's AIA points at; the daemon sends only its leaf.</summary>
    public X509Certificate2 Intermediate { get; }

    /// <summary>True in the process that started the daemon.</summary>
    public bool IsOwner => _owned is not null;

    /// <summary>The server the daemon presents.</summary>
    public delegate Task<LabDaemon> Starter(X509Certificate2 leaf);

    /// <summary>
    /// Joins the daemon <paramref name="name"/> if a live process runs it, else starts it with
    /// <paramref name="start"/>, handing it a leaf for 127.0.0.1, localhost and <paramref name="dnsName"/>
    /// whose issuer is reachable by AIA.
    /// </summary>
    public static async Task<SharedLabDaemon> AcquireAsync(string name, string dnsName, Starter start)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"certheal-lab-shared-{Environment.UserName}", name);
        Directory.CreateDirectory(folder);
        var lease = Path.Combine(folder, $"lease-{Environment.ProcessId}-{Guid.NewGuid():N}");
        await using var held = await LockAsync(folder).ConfigureAwait(false);
        var published = Read(folder);
        if (published is not null && IsAlive(published.Pid) && LabDaemon.Accepts(published.Port))
        {
            File.WriteAllText(lease, "");
            return new SharedLabDaemon(folder, lease, published.Port, new X509Certificate2(published.Root),
                new X509Certificate2(published.Intermediate), owned: null);
        }

        var owned = new Owned { Hierarchy = LabHierarchy.Create("shared " + name), Repository = new LabHttpServer() };
        try
        {
            owned.Repository.Map("issuing-ca.cer", new LabHttpServer.Route(owned.Hierarchy.Intermediate.Export(X509ContentType.Cert)));
            using var leaf = owned.Hierarchy.IssueLeaf(new LeafSpec
            {
                CommonName = dnsName,
                DnsNames = [dnsName, "localhost"],
                CaIssuersUrl = owned.Repository.Url("issuing-ca.cer"),
            });
            owned.Daemon = await start(leaf).ConfigureAwait(false);
        }
        catch
        {
            await owned.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var state = new State(Environment.ProcessId, owned.Daemon.Port, owned.Hierarchy.Root.RawData, owned.Hierarchy.Intermediate.RawData);
        // Written in place: every reader holds the lock.
        File.WriteAllText(Path.Combine(folder, "state.json"), JsonSerializer.Serialize(state, LabStateJson.Default.State));
        File.WriteAllText(lease, "");
        return new SharedLabDaemon(folder, lease, owned.Daemon.Port, owned.Hierarchy.Root, owned.Hierarchy.Intermediate, owned);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        File.Delete(_lease);
        if (_owned is null)
        {
            return;
        }
        // Wait for the other holders (bounded): the state file goes under the lock, so nobody
        // takes a lease on a daemon about to stop.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using (await LockAsync(_folder).ConfigureAwait(false))
            {
                if (!LiveLeases(_folder) || clock.Elapsed > LeaseWait)
                {
                    File.Delete(Path.Combine(_folder, "state.json"));
                    break;
                }
            }
            await Task.Delay(500).ConfigureAwait(false);
        }
        await _owned.DisposeAsync().ConfigureAwait(false);
    }

    private static bool LiveLeases(string folder)
    {
        var any = false;
        foreach (var lease in Directory.GetFiles(folder, "lease-*"))
        {
            var parts = Path.GetFileName(lease).Split('-');
            if (parts.Length >= 2 && int.TryParse(parts[1], out var pid) && IsAlive(pid))
            {
                any = true;
            }
            else
            {
                File.Delete(lease); // its process died without letting go
            }
        }
        return any;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static State? Read(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(folder, "state.json")), LabStateJson.Default.State);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>An exclusive open is an flock on Linux: it serialises the test processes, and dies with its holder.</summary>
    private static async Task<FileStream> LockAsync(string folder)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(folder, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < LockWait)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    internal sealed record State(int Pid, int Port, byte[] Root, byte[] Intermediate);

    private sealed class Owned : IAsyncDisposable
    {
        public required LabHierarchy Hierarchy { get; init; }
        public required LabHttpServer Repository { get; init; }
        public LabDaemon? Daemon { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Daemon is not null)
            {
                await Daemon.DisposeAsync().ConfigureAwait(false);
            }
            await Repository.DisposeAsync().ConfigureAwait(false);
            Hierarchy.Dispose();
        }
    }
}
