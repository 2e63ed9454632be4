// SDP edits the ConnectyCube SDK's ICE rules call for: the trickle option, and candidates carried in the SDP.
import type { IceCandidate } from '@cubebridge/core';

interface MediaSection {
  readonly index: number;
  readonly mid: string | undefined;
  /** Line numbers [start, end) of the section in the split SDP. */
  readonly start: number;
  readonly end: number;
}

function splitLines(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function joinLines(lines: readonly string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

function mediaSections(lines: readonly string[]): MediaSection[] {
  const starts = lines.flatMap((line, i) => (line.startsWith('m=') ? [i] : []));
  return starts.map((start, index) => {
    const end = starts[index + 1] ?? lines.length;
    const midLine = lines.slice(start, end).find((line) => line.startsWith('a=mid:'));
    return { index, mid: midLine?.slice('a=mid:'.length).trim(), start, end };
  });
}

/**
 * Make sure the SDP advertises `a=ice-options:trickle`: Chrome only trickles its candidates to a peer whose
 * offer carries it (the SDK checks `canTrickleIceCandidates`), and the SDK sends no candidates otherwise.
 */
export function withTrickleOption(sdp: string): string {
  const lines = splitLines(sdp);
  const existing = lines.findIndex((line) => line.startsWith('a=ice-options:'));
  if (existing >= 0) {
    const line = lines[existing] as string;
    if (!/\btrickle\b/.test(line)) lines[existing] = `${line} trickle`;
    return joinLines(lines);
  }
  const firstMedia = lines.findIndex((line) => line.startsWith('m='));
  lines.splice(firstMedia < 0 ? lines.length : firstMedia, 0, 'a=ice-options:trickle');
  return joinLines(lines);
}

/** The `a=candidate` lines of an SDP, each tagged with its media section. */
export function candidatesInSdp(sdp: string): IceCandidate[] {
  const lines = splitLines(sdp);
  return mediaSections(lines).flatMap((section) =>
    lines
      .slice(section.start, section.end)
      .filter((line) => line.startsWith('a=candidate:'))
      .map((line) => ({
        candidate: line.slice(2),
        sdpMid: section.mid ?? null,
        sdpMLineIndex: section.index,
      })),
  );
}

/**
 * The SDP with the given candidates added to their media sections (by mid, else by index, else the first
 * section, which carries all of them under BUNDLE). Candidates already present are not repeated.
 */
export function withCandidates(sdp: string, candidates: readonly IceCandidate[]): string {
  const lines = splitLines(sdp);
  const sections = mediaSections(lines);
  if (sections.length === 0) return sdp;
  const present = new Set(
    lines.filter((line) => line.startsWith('a=candidate:')).map((line) => line.slice(2)),
  );
  const additions = new Map<number, string[]>();
  for (const candidate of candidates) {
    const text = candidate.candidate.replace(/^a=/, '');
    if (text === '' || present.has(text)) continue;
    present.add(text);
    const section =
      sections.find((s) => candidate.sdpMid != null && s.mid === candidate.sdpMid) ??
      sections.find((s) => s.index === candidate.sdpMLineIndex) ??
      (sections[0] as MediaSection);
    additions.set(section.index, [...(additions.get(section.index) ?? []), `a=${text}`]);
  }
  // Insert from the last section backwards so earlier line numbers stay valid.
  for (const section of [...sections].reverse()) {
    const added = additions.get(section.index);
    if (added) lines.splice(section.end, 0, ...added);
  }
  return joinLines(lines);
}
