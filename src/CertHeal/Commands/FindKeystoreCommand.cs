using System.Management.Automation;
using CertHeal.Discovery;

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
            var found = KeystoreFinder.Find(new FindOptions { ProcessIds = _pids, AllProcesses = AllProcesses, Paths = _paths, MaxDepth = Depth },
                verbose: WriteVerbose, cancellationToken: _cancel.Token);
            foreach (var location in found)
            {
                WriteVerbose($"{location.Path}: {location.Kind}, found by {string.Join("; ", location.FoundBy)}.");
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
