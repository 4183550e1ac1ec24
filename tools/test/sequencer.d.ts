// Types of sequencer.js (plain JavaScript: jest loads it uncompiled).
import Sequencer from '@jest/test-sequencer';

declare class WeightedSequencer extends Sequencer {}
export = WeightedSequencer;
