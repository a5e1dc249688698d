namespace LoaderHarness.Tests.Loader;

/// <summary>A seekable stream over bytes whose seeks to <c>failAt</c> throw (a device that cannot reposition there).</summary>
internal sealed class SeekFailingStream(byte[] bytes, long failAt) : Stream
{
    private readonly MemoryStream _inner = new(bytes, writable: false);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => Seek(value, SeekOrigin.Begin); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (origin == SeekOrigin.Begin && offset == failAt)
            throw new IOException($"simulated seek error at 0x{failAt:x}");
        return _inner.Seek(offset, origin);
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
