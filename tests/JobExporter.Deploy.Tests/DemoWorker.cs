using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>One demo worker process (src/JobExporter.Demo, as built), stopped with SIGTERM as `make run` stops it.</summary>
internal sealed class DemoWorker : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private DemoWorker(ServerProcess process) => _process = process;

    public string Output => _process.Output;

    public static Task<DemoWorker> StartAsync(string dll, params string[] args)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"The demo workers are not built: {dll}. Run `make build`.");
        return Task.FromResult(new DemoWorker(ServerProcess.StartDotnet(dll, args)));
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
