using System.IO.Compression;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Image;

/// <summary>Inflates an <c>Image.gz</c> (what many distributions ship for arm64; QEMU inflates it too).</summary>
internal static class GzipImage
{
    /// <summary>An inflated arm64 kernel beyond this is not a kernel (Debian's is ~30 MiB).</summary>
    private const int MaxInflatedSize = 512 << 20;

    /// <summary>Whether the bytes start with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> image) => image.Length >= 2 && image[0] == 0x1F && image[1] == 0x8B;

    /// <summary>Inflates a gzip stream; corrupt data is PayloadDecompression, a bomb past 512 MiB InvalidImage.</summary>
    public static byte[] Inflate(ReadOnlySpan<byte> image)
    {
        try
        {
            using var input = new MemoryStream(image.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[1 << 16];
            int n;
            while ((n = gzip.Read(buffer)) > 0)
            {
                if (output.Length + n > MaxInflatedSize)
                    throw new LoaderException(LoaderError.InvalidImage, $"gzip Image inflates past {MaxInflatedSize >> 20} MiB");
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new LoaderException(LoaderError.PayloadDecompression, $"gzip Image is corrupt: {e.Message}", e);
        }
    }
}
