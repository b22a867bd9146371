namespace CertHeal.Lab;

/// <summary>
/// The daemons of one test fixture, started side by side and stopped together: a fixture names
/// what it starts and nothing else. A start that fails leaves the others registered, so the
/// group's dispose stops whatever did start; no fixture writes its own stop loop.
/// </summary>
public sealed class LabDaemonGroup : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _members = [];
    private readonly List<Task> _pending = [];
    private int _disposed;

    /// <summary>Registers a starting member; await <see cref="StartedAsync"/> before reading its result.</summary>
    public Task<T> Add<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var registered = Register(starting);
        lock (_pending)
        {
            _pending.Add(registered);
        }
        return registered;
    }

    /// <summary>Waits for every registered start; throws the first failure once all have settled.</summary>
    public async Task StartedAsync()
    {
        Task[] pending;
        lock (_pending)
        {
            pending = [.. _pending];
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private async Task<T> Register<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var member = await starting.ConfigureAwait(false);
        lock (_members)
        {
            _members.Add(member);
        }
        return member;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await StartedAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A failed start was reported by StartedAsync; what did start is still stopped below.
        }
        IAsyncDisposable[] members;
        lock (_members)
        {
            members = [.. _members];
        }
        // Stopped side by side: each waits for its own process tree to exit.
        await Task.WhenAll(members.Select(m => m.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
