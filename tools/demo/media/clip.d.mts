/** Where the clip is. */
export declare const CLIP: string;
/** One encoded frame of the clip. */
export interface ClipFrame {
  readonly data: Uint8Array;
  readonly timestampUs: number;
  readonly durationUs: number;
  readonly keyframe: boolean;
}
/** One track of the clip. */
export interface ClipTrack {
  readonly kind: 'video' | 'audio';
  readonly codec: string | null;
  readonly frames: readonly ClipFrame[];
}
/** Every track of the clip, read with mediabunny. */
export declare function readClip(path?: string): Promise<ClipTrack[]>;
