namespace JobExporter.Emitter;

/// <summary>
/// One exporter of <see cref="EventPublisherOptions.ExporterUrls"/> as the publisher sees it now.
/// </summary>
/// <param name="Name">The exporter's URL without credentials.</param>
/// <param name="Pending">Events it has not acknowledged: waiting in the buffer (for every exporter alike), in flight to it, or
/// failed by it and waiting to be sent again. One slow or absent exporter shows here alone.</param>
/// <param name="Connected">Its last answer (the connection's opening probe or a batch) acknowledged what was posted.</param>
internal readonly record struct DestinationState(string Name, long Pending, bool Connected);
