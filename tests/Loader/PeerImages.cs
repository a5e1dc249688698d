namespace LoaderHarness.Tests.Loader;

/// <summary>rust-vmm linux-loader v0.14.0's test images (tests/PeerImages, copied to the output folder).</summary>
internal static class PeerImages
{
    /// <summary>The bytes of one reference image.</summary>
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "PeerImages", name));
}
