using System.Management.Automation;
using CertHeal.Discovery;
using CertHeal.Internal;

namespace CertHeal.Commands;

/// <summary>Find-Keystore: every trust store an app really uses (runtimes, OS, tool config, processes, folders), read-only.</summary>
[Cmdlet(VerbsCommon.Find, "Keystore", DefaultParameterSetName = MachineSet)]
[OutputType(typeof(KeystoreLocation))]
public sealed class FindKeystoreCommand : PSCmdlet, IDisposable
{
    private const string MachineSet = "Machine";
    private readonly List<int> _pids = [];
    private readonly List<string> _paths = [];
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Binds Id from Get-Process by property name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateRange(1, int.MaxValue)]
    public int[] ProcessId { get; set; } = [];

    [Parameter]
    public SwitchParameter AllProcesses { get; set; }

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 64)]
    public int Depth { get; set; } = 6;

    /// <summary>The healed store to steer each process's runtime to (its RuntimeSteering); default: the per-user keystore, and a JVM's own store.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SteerTo { get; set; }

    protected override void ProcessRecord()
    {
        _pids.AddRange(ProcessId);
        foreach (var path in Path)
        {
            if (WildcardPattern.ContainsWildcardCharacters(path))
            {
                _paths.AddRange(GetResolvedProviderPathFromPSPath(path, out _));
            }
            else
            {
                _paths.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
            }
        }
    }

    protected override void EndProcessing()
    {
        try
        {
            var steerTo = SteerTo is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(SteerTo);
            var found = KeystoreFinder.Find(new FindOptions
            {
                ProcessIds = _pids, AllProcesses = AllProcesses, Paths = _paths, MaxDepth = Depth, SteerTo = steerTo, Vocabulary = PowerShellVocabulary.Instance,
            },
                verbose: WriteVerbose, cancellationToken: _cancel.Token);
            foreach (var location in found)
            {
                WriteVerbose($"{location.Path}: {location.Kind}, found by {string.Join("; ", location.FoundBy)}.");
                foreach (var steering in location.Steering)
                {
                    WriteVerbose($"Process {steering.ProcessId} ({steering.Runtime}): {(steering.Kind == SteeringKind.None ? "" : steering.Command + " - ")}{steering.Reason}");
                }
                WriteObject(location);
            }
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();
}
