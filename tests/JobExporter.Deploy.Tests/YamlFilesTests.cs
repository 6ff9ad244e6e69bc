namespace JobExporter.Deploy.Tests;

/// <summary>Every YAML file under deploy/ is valid YAML, multi-document files included.</summary>
public sealed class YamlFilesTests
{
    public static IEnumerable<TestCaseData> Files() =>
        DeployFiles.Yaml().Select(f => new TestCaseData(f).SetArgDisplayNames(DeployFiles.Relative(f)));

    [TestCaseSource(nameof(Files))]
    public void YAML_file_parses_into_documents_that_are_not_empty(string file)
    {
        var documents = DeployFiles.Documents(file);
        Assert.That(documents, Is.Not.Empty);
        Assert.That(documents, Has.All.Not.Null);
    }

    [Test]
    public void Every_Kubernetes_document_has_an_apiVersion_a_kind_and_a_name()
    {
        var documents = DeployFiles.KubernetesManifests().SelectMany(f => DeployFiles.Documents(f).Select(d => (File: DeployFiles.Relative(f), Document: d))).ToList();
        Assert.That(documents.Select(d => DeployFiles.At(d.Document, "kind")), Is.SupersetOf(new[] { "Deployment", "Service", "PodMonitor", "ServiceMonitor" }));
        Assert.Multiple(() =>
        {
            foreach (var (file, document) in documents)
            {
                Assert.That(DeployFiles.At(document, "apiVersion"), Is.Not.Null, file);
                Assert.That(DeployFiles.At(document, "kind"), Is.Not.Null, file);
                Assert.That(DeployFiles.At(document, "metadata", "name"), Is.Not.Null, file);
            }
        });
    }
}
