namespace JobExporter.Contracts;

/// <summary>
/// The <c>system</c> of an event (its <c>system</c> field, the first word of its routing key and the <c>system</c>
/// label of every series): the one place each job system's name is written.
/// </summary>
internal static class SystemNames
{
    public const string Hangfire = "hangfire";
    public const string MassTransit = "masstransit";

    /// <summary>Celery workers do not emit our events: the exporter reads Celery's own and labels them with this.</summary>
    public const string Celery = "celery";
}
