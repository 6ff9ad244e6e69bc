using BenchmarkDotNet.Attributes;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.InMemory;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using JobExporter.Hangfire;

namespace JobExporter.Benchmarks;

/// <summary>
/// What the Hangfire emitter costs one job on Hangfire's threads: the hook calls Hangfire makes for a job that is
/// created, taken by a worker, performed and succeeds, on the emitter's real filters and its real publisher (broker
/// down: a closed port, so each event is built and offered to the full buffer, which drops it). The baseline
/// builds the same Hangfire contexts without calling the filters, so the difference is the emitter alone.
/// </summary>
[MemoryDiagnoser]
public class HangfireHookBenchmarks
{
    private InMemoryStorage _storage = null!;
    private IStorageConnection _connection = null!;
    private JobExporterEmitter _emitter = null!;
    private IClientFilter[] _client = null!;
    private IServerFilter[] _server = null!;
    private IElectStateFilter[] _elect = null!;
    private IApplyStateFilter[] _apply = null!;
    private Job _job = null!;
    private Dictionary<string, string> _parameters = null!;
    private IState _processing = null!;
    private IWriteOnlyTransaction _transaction = null!;

    [GlobalSetup]
    public void Setup()
    {
        _storage = new InMemoryStorage();
        _connection = _storage.GetConnection();
        _transaction = _connection.CreateWriteTransaction(); // never committed: no filter writes on these states
        _emitter = new JobExporterEmitter(new JobExporterHangfireOptions
        {
            BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"),
            BufferCapacity = 1000,
            FlushTimeout = TimeSpan.Zero,
        });
        var filters = new JobFilterCollection();
        _emitter.InstallFilters(filters);
        // Hangfire runs filters in their order (the emitter's worker filter last).
        var instances = filters.OrderBy(f => f.Order).Select(f => f.Instance).ToArray();
        _client = [.. instances.OfType<IClientFilter>()];
        _server = [.. instances.OfType<IServerFilter>()];
        _elect = [.. instances.OfType<IElectStateFilter>()];
        _apply = [.. instances.OfType<IApplyStateFilter>()];
        _job = Job.FromExpression(() => BenchJobs.Noop());
        // Hangfire keeps ProcessingState's constructor to itself; its workers make one per job as here.
        _processing = (IState)Activator.CreateInstance(typeof(ProcessingState), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance,
            null, ["server", "worker"], null)!;
        // What the enqueuing transaction wrote and the worker's fetch brought along with the job.
        _parameters = new Dictionary<string, string> { ["JobExporter.Enqueued"] = $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}|default" };
        for (var i = 0; i < 20_000; i++) OneJobThroughTheFilters(); // fills the buffer: from here every event offered is dropped
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _emitter.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _transaction.Dispose();
        _connection.Dispose();
        _storage.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Hangfire's contexts for one job, no emitter")]
    public object ContextsOnly()
    {
        var c = Contexts();
        return SucceededElection(c.Performing);
    }

    [Benchmark(Description = "one job through the emitter's hooks (created, elected Processing, performing, performed, elected Succeeded)")]
    public object OneJobThroughTheFilters()
    {
        var c = Contexts();
        foreach (var f in _client) f.OnCreated(c.Created);
        foreach (var f in _elect) f.OnStateElection(c.Elect);
        foreach (var f in _server) f.OnPerforming(c.Performing);
        for (var i = _server.Length - 1; i >= 0; i--) _server[i].OnPerformed(c.Performed);
        var succeeded = SucceededElection(c.Performing);
        foreach (var f in _elect) f.OnStateElection(succeeded);
        foreach (var f in _apply) f.OnStateApplied(new ApplyStateContext(_transaction, succeeded), _transaction);
        return succeeded;
    }

    private (CreatedContext Created, ElectStateContext Elect, PerformingContext Performing, PerformedContext Performed) Contexts()
    {
        var background = new BackgroundJob("42", _job, DateTime.UtcNow, _parameters);
        var created = new CreatedContext(new CreateContext(_storage, _connection, _job, new EnqueuedState()), background, canceled: false, exception: null);
        var elect = new ElectStateContext(new ApplyStateContext(_storage, _connection, _transaction, background, _processing, EnqueuedState.StateName));
        var perform = new PerformContext(_storage, _connection, background, new JobCancellationToken(false));
        var performing = new PerformingContext(perform);
        var performed = new PerformedContext(perform, result: null, canceled: false, exception: null);
        return (created, elect, performing, performed);
    }

    // The election of Succeeded after the job ran, with the job's items as Hangfire's worker hands them over (a copy, as
    // custom data); Hangfire keeps the constructor that takes them to itself, so it is called by reflection.
    private ElectStateContext SucceededElection(PerformContext perform)
    {
        var apply = (ApplyStateContext)ApplyWithCustomData.Invoke([_storage, _connection, _transaction, perform.BackgroundJob,
            new SucceededState(null, 0, 0), ProcessingState.StateName, EmptyProfiler, null, new Dictionary<string, object>(perform.Items)]);
        return new ElectStateContext(apply);
    }

    private static readonly System.Reflection.ConstructorInfo ApplyWithCustomData = typeof(ApplyStateContext)
        .GetConstructors(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
        .Single(c => c.GetParameters().Length == 9);

    private static readonly object EmptyProfiler = typeof(ApplyStateContext).Assembly.GetType("Hangfire.Profiling.EmptyProfiler")!
        .GetField("Instance", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
}
