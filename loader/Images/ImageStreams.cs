using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images;

/// <summary>Reads the small leading part of an image stream that holds its headers.</summary>
internal static class ImageStreams
{
    public static ReadOnlyMemory<byte> ReadHeaders(Stream image, long length)
    {
        if (!image.CanSeek || !image.CanRead)
            throw new LoaderException(LoaderError.ReadKernelImage, "kernel image streams must be readable and seekable");
        length = Math.Min(length, image.Length);
        var buffer = new byte[length];
        image.Seek(0, SeekOrigin.Begin);
        try
        {
            image.ReadExactly(buffer);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading image headers failed: {e.Message}", e);
        }
        return buffer;
    }

    public static byte[] ReadAll(Stream image)
    {
        image.Seek(0, SeekOrigin.Begin);
        var bytes = new byte[image.Length];
        try
        {
            image.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading the image failed: {e.Message}", e);
        }
        return bytes;
    }
}
