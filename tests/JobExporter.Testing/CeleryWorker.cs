namespace JobExporter.Testing;

/// <summary>
/// A real Celery worker from Debian's python3-celery, started with <c>-E</c> (task events on) against a test broker,
/// running the tasks of <c>src/JobExporter.Demo/Celery/jobexporter_celery_app.py</c> (the demo's), with its files in a temp folder. Each worker has its
/// own event exchange and task queue, so tests on a shared broker do not see each other's events. Stopped gracefully
/// (SIGTERM: it says worker-offline) or killed with SIGKILL (it says nothing), by its pid.
/// </summary>
public sealed class CeleryWorker : IAsyncDisposable
{
    /// <summary>Debian's interpreter, which has python3-celery; another python3 on the PATH may not.</summary>
    public const string Python = "/usr/bin/python3";
    private const string AppModule = "jobexporter_celery_app";

    private readonly TempFolder _folder = new("celery");
    private readonly Dictionary<string, string> _env;
    private ServerProcess? _process;

    private CeleryWorker(string brokerUrl, string id)
    {
        Hostname = $"worker-{id}@localhost";
        EventExchange = $"celeryev.{id}";
        TaskQueue = $"tasks.{id}";
        File.Copy(Path.Combine(RepositoryPaths.Root, "src", "JobExporter.Demo", "Celery", AppModule + ".py"), _folder.File(AppModule + ".py"));
        _env = new Dictionary<string, string>
        {
            ["HOME"] = _folder.Path,
            ["PYTHONPATH"] = _folder.Path,
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["CELERY_BROKER_URL"] = brokerUrl,
            ["CELERY_EVENT_EXCHANGE"] = EventExchange,
            ["CELERY_TASK_QUEUE"] = TaskQueue,
        };
    }

    /// <summary>The worker's hostname as its events carry it (<c>worker-…@localhost</c>).</summary>
    public string Hostname { get; }
    public string EventExchange { get; }
    public string TaskQueue { get; }
    public int ProcessId => _process?.Id ?? 0;
    public bool HasExited => _process is null || _process.HasExited;

    public string Output => _process?.Output ?? "";

    /// <summary>Starts a prefork worker of <paramref name="concurrency"/> processes sending a heartbeat every <paramref name="heartbeat"/> seconds.</summary>
    public static CeleryWorker Start(Uri broker, int concurrency = 2, double heartbeat = 2)
    {
        if (!File.Exists("/usr/lib/python3/dist-packages/celery/__init__.py"))
        {
            throw new InvalidOperationException("python3-celery is not installed: run `make deps` (apt-get install python3-celery).");
        }
        // Celery wants a double slash for the default vhost.
        return Start($"amqp://guest:guest@127.0.0.1:{broker.Port}//", concurrency, heartbeat);
    }

    /// <summary>The same worker on a Redis broker (<c>redis://127.0.0.1:port/db</c>): its events go by pub/sub on <c>/{db}.{EventExchange}/…</c>.</summary>
    public static CeleryWorker StartOnRedis(string redisUrl, int concurrency = 2, double heartbeat = 2)
    {
        // kombu imports it only once it connects: without it the worker dies with a traceback, not a clear word.
        if (!File.Exists("/usr/lib/python3/dist-packages/redis/__init__.py"))
        {
            throw new InvalidOperationException("python3-redis (Celery's Redis client) is not installed: run `make deps` (apt-get install python3-redis).");
        }
        return Start(redisUrl, concurrency, heartbeat);
    }

    private static CeleryWorker Start(string brokerUrl, int concurrency, double heartbeat)
    {
        if (!File.Exists("/usr/lib/python3/dist-packages/celery/__init__.py"))
        {
            throw new InvalidOperationException("python3-celery is not installed: run `make deps` (apt-get install python3-celery).");
        }
        var worker = new CeleryWorker(brokerUrl, Guid.NewGuid().ToString("N")[..12]);
        worker.StartProcess(concurrency, heartbeat);
        return worker;
    }

    private void StartProcess(int concurrency, double heartbeat)
    {
        _process = ServerProcess.Start(Python,
            [
                "-m", "celery", "-A", AppModule, "worker", "-E", "--hostname", Hostname, "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", concurrency.ToString(), "--heartbeat-interval", heartbeat.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--without-gossip", "--without-mingle", "--queues", TaskQueue,
            ],
            _env, _folder.Path, gracefulStop: TimeSpan.FromSeconds(30), name: "the Celery worker");
    }

    /// <summary>Sends tasks to the worker's queue from a Celery client (which publishes task-sent), and waits until all are sent.</summary>
    public async Task SendTasksAsync(int succeeding, int failing, int retriedTwice, int rejected, int revoked)
    {
        var result = await ProcessRunner.RunAsync(Python,
            [_folder.File(AppModule + ".py"), "send", $"{succeeding}", $"{failing}", $"{retriedTwice}", $"{rejected}", $"{revoked}"],
            _env, TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0) throw new InvalidOperationException($"Sending Celery tasks failed ({result.ExitCode}):\n{result.Output}\nWorker:\n{Output}");
    }

    /// <summary>Warm shutdown (SIGTERM), as an orchestrator stops it: the worker publishes worker-offline.</summary>
    public Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    /// <summary>SIGKILL to the worker and its pool processes, as an OOM kill would: no worker-offline is sent.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        _folder.Dispose();
    }
}
