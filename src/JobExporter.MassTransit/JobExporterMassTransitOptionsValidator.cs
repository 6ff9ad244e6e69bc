using Microsoft.Extensions.Options;

namespace JobExporter.MassTransit;

/// <summary>Checks the emitter's settings at start, naming the setting and its configuration key in each message.</summary>
internal sealed class JobExporterMassTransitOptionsValidator : IValidateOptions<JobExporterMassTransitOptions>
{
    private const string Section = JobExporterMassTransitOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, JobExporterMassTransitOptions options)
    {
        var failures = new List<string>();
        if (options.BrokerUrl is null)
        {
            failures.Add($"{Section}:BrokerUrl is required: the amqp://user:password@host:5672/vhost URL of the broker that receives job events.");
        }
        else if (!options.BrokerUrl.IsAbsoluteUri || options.BrokerUrl.Scheme is not ("amqp" or "amqps"))
        {
            failures.Add($"{Section}:BrokerUrl must be an absolute amqp:// or amqps:// URL, not '{options.BrokerUrl.OriginalString}'.");
        }
        if (string.IsNullOrWhiteSpace(options.Exchange))
        {
            failures.Add($"{Section}:Exchange must not be empty (default jobs.events).");
        }
        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:HeartbeatInterval must be positive, not {options.HeartbeatInterval} (default 00:00:10).");
        }
        if (options.BufferCapacity < 1)
        {
            failures.Add($"{Section}:BufferCapacity must be at least 1, not {options.BufferCapacity} (default 10000).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
