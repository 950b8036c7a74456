package io.peermesh.wire;

import com.fasterxml.jackson.core.JsonToken;
import java.util.List;

/**
 * Raw field values as sent; which ones matter depends on msgtype, which may come last. Filled by
 * {@link FieldReader} with the token each value came as, checked by {@link MessageBuilder} once the
 * whole object is read. One per decoded line, never shared.
 */
final class Fields {
    JsonToken msgtypeToken;
    String msgtype;
    JsonToken nodeIdToken;
    String nodeId;
    JsonToken versionToken;
    long version;
    JsonToken networkToken;
    String network;
    JsonToken listenToken;
    String listen;
    JsonToken peerCountToken;
    long peerCount;
    JsonToken nonceToken;
    String nonce;
    String reason;
    String detail;
    List<Message.AddrEntry> peers;
    int invalidPeers;
    boolean peersNotArray;
    char[] text;
    boolean metadataSent;
    Metadata metadata = Metadata.EMPTY;
    MetadataDrop metadataDropped;
    JsonToken incarnationToken;
    long incarnation;
    JsonToken originToken;
    String origin;
    JsonToken seqToken;
    long seq;
    JsonToken topicToken;
    String topic;
    String payload;
    JsonToken sentToken;
    long sent;
    List<Message.LinkEntry> links;
    int invalidLinks;
    boolean linksNotArray;
}
