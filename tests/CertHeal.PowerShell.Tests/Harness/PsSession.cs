using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>
/// The harness for cmdlet tests: a fresh runspace of the real PowerShell 7.6 engine
/// (Microsoft.PowerShell.SDK 7.6.10) with the shipped module folder imported by path.
///
/// How to use it (one session per test; they are cheap enough and never share state):
/// <code>
/// using var ps = PsSession.NoUi();                          // as runbooks run: prompts throw HostException
/// using var ps = PsSession.WithHost(PromptAnswer.Yes);      // a UI that answers prompts from this queue
/// using var ps = PsSession.WithHost(new ScriptedHost { NonInteractive = true }); // like pwsh -NonInteractive
///
/// var r = ps.Run("param($t) Test-TlsHandshake $t -TimeoutSec 5", new() { ["t"] = endpoint.Target });
/// r.AssertNoErrors();                        // fails with every error's ErrorId and message
/// var result = r.Single();                   // the one output object (PSObject)
/// Assert.True(result.Value&lt;bool&gt;("Succeeded"));
/// r.Errors[0].FullyQualifiedErrorId / r.ErrorIds / r.Terminating (a terminating ErrorRecord) / r.Verbose / r.Progress
/// ps.Host!.Prompts / ps.Host.Progress       // what the scripted UI was shown
/// ps.SetLocation(folder);                    // the runspace's location (relative -Path resolves here)
/// </code>
/// Parameters are bound to the script's param() block (SecureString, PSCredential, X509Certificate2
/// and deserialized objects can come from C#). The engine is Microsoft.PowerShell.SDK 7.6.10: a
/// CreateDefault2() runspace autoloads the built-in modules (Microsoft.PowerShell.Utility, Management,
/// Security; the test project copies them to $PSHOME/Modules), so scripts use Import-Csv,
/// ConvertTo-SecureString, ConvertFrom-Json, Set-Location, Write-Verbose... as users do. Not there:
/// Start-ThreadJob (the ThreadJob module ships with pwsh, not with the SDK package).
/// <see cref="SetLocation"/> sets the location from C#. Do not set an execution policy (throws on Linux). <see cref="Start"/> gives the PowerShell instance for Stop() tests.
/// Lab servers: use CertHeal.Lab (referenced) as the engine tests do; see <see cref="PsLab"/>.
/// </summary>
public sealed class PsSession : IDisposable
{
    private PsSession(Runspace runspace, ScriptedHost? host)
    {
        Runspace = runspace;
        Host = host;
        runspace.Open();
        var import = Run("param($Manifest) Import-Module -Name $Manifest -ErrorAction Stop", new() { ["Manifest"] = ShippedModule.Manifest });
        if (import.Terminating is not null || import.Errors.Count > 0)
        {
            throw new InvalidOperationException("Import-Module of the shipped module failed: " + import.Describe());
        }
    }

    public Runspace Runspace { get; }

    /// <summary>The scripted host, or null for a no-UI session.</summary>
    public ScriptedHost? Host { get; }

    /// <summary>A runspace with no host UI, the way Azure Automation, Jenkins agents and apps hosting PowerShell run scripts.</summary>
    public static PsSession NoUi() => new(RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2()), null);

    /// <summary>A runspace whose host answers prompts with <paramref name="answers"/>, in order.</summary>
    public static PsSession WithHost(params PromptAnswer[] answers) => WithHost(new ScriptedHost(answers));

    /// <summary>One of the three kinds of host a cmdlet meets, for [Theory] tests over all of them.</summary>
    public static PsSession Open(HostKind kind, params PromptAnswer[] answers) => kind switch
    {
        HostKind.NoUi => NoUi(),
        HostKind.NonInteractive => WithHost(new ScriptedHost(answers) { NonInteractive = true }),
        _ => WithHost(answers),
    };

    public static PsSession WithHost(ScriptedHost host) => new(RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2()), host);

    /// <summary>Runs a script (its param() block gets <paramref name="parameters"/>) and collects everything it produced. Never throws for script errors.</summary>
    public PsResult Run(string script, Dictionary<string, object?>? parameters = null)
    {
        using var shell = Create(script, parameters);
        Collection<PSObject> output = [];
        ErrorRecord? terminating = null;
        try
        {
            output = shell.Invoke();
        }
        catch (RuntimeException e)
        {
            terminating = e.ErrorRecord;
        }
        return PsResult.From(shell, output, terminating);
    }

    /// <summary>Starts a script asynchronously; the caller Stop()s or EndInvoke()s the returned instance and disposes it.</summary>
    public (System.Management.Automation.PowerShell Shell, IAsyncResult Pending) Start(string script, Dictionary<string, object?>? parameters = null)
    {
        var shell = Create(script, parameters);
        return (shell, shell.BeginInvoke());
    }

    /// <summary>Sets the runspace's current location (not the process's), as Set-Location in a script would.</summary>
    public void SetLocation(string path) => Runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(path));

    /// <summary>The runspace's current file-system location.</summary>
    public string Location => Runspace.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;

    private System.Management.Automation.PowerShell Create(string script, Dictionary<string, object?>? parameters)
    {
        var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = Runspace;
        shell.AddScript(script);
        if (parameters is not null)
        {
            shell.AddParameters((IDictionary)parameters);
        }
        return shell;
    }

    public void Dispose() => Runspace.Dispose();
}

/// <summary>No UI (runbooks: HostException), like `pwsh -NonInteractive` (PSInvalidOperationException), or interactive (scripted answers).</summary>
public enum HostKind
{
    NoUi,
    NonInteractive,
    Interactive,
}
