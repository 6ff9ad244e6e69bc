using Microsoft.Extensions.Options;

namespace JobExporter.Demo;

/// <summary>
/// Decides which demo runs fail: a steady small share of every job, and bursts of the critical job at the start of
/// every <see cref="DemoOptions.BurstPeriod"/> (the first burst starts with the worker, so alerts fire early).
/// </summary>
public sealed class FailureSchedule(IOptions<DemoOptions> options, TimeProvider time)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public bool InBurst
    {
        get
        {
            var elapsed = time.GetUtcNow() - _started;
            return elapsed.Ticks % options.Value.BurstPeriod.Ticks < options.Value.BurstLength.Ticks;
        }
    }

    /// <summary>True for about <paramref name="share"/> of the calls.</summary>
    public bool Fails(double share) => Random.Shared.NextDouble() < share;

    /// <summary>True for about the burst failure rate of the calls during a burst, else for about <paramref name="share"/>.</summary>
    public bool CriticalFails(double share) => Fails(InBurst ? options.Value.BurstFailureRate : share);

    /// <summary>A run time between <paramref name="min"/> and <paramref name="max"/> seconds.</summary>
    public static TimeSpan Runtime(double min, double max) => TimeSpan.FromSeconds(min + Random.Shared.NextDouble() * (max - min));
}
