package io.peermesh.bench;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** What a client that never read found when it finally read: bytes, the overflow event, the end of the response, a close. */
record SlowRead(long bytes, boolean sawOverflow, boolean responseEnded, boolean eof) {

    /** Reads what the never-reading client was sent, until the server closes or 3 s of silence. */
    static SlowRead drain(Socket s) throws Exception {
        s.setSoTimeout(3000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long bytes = 0;
        String tail = "";
        boolean overflow = false;
        try {
            int k;
            while ((k = in.read(buf)) >= 0) {
                bytes += k;
                String chunk = tail + new String(buf, 0, k, StandardCharsets.ISO_8859_1);
                overflow |= chunk.contains("overflow");
                tail = chunk.substring(Math.max(0, chunk.length() - 16));
            }
            return new SlowRead(bytes, overflow, tail.endsWith("\r\n0\r\n\r\n"), true);
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // the last chunk of a chunked body ("0" CRLF CRLF): the server ended the response
            return new SlowRead(bytes, overflow, tail.endsWith("\r\n0\r\n\r\n"), e instanceof java.net.SocketException);
        }
    }
}
