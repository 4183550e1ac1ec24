import { ConfigError, loadConfig } from '#libs/config';
import { payloadFormatConfigShape } from './kafka.module';

describe('JEEVES_PAYLOAD_FORMAT', () => {
  it('defaults to json and takes each payload format', () => {
    expect(loadConfig(payloadFormatConfigShape, {}).JEEVES_PAYLOAD_FORMAT).toBe('json');
    for (const format of ['json', 'msgpack', 'protobuf'])
      expect(loadConfig(payloadFormatConfigShape, { JEEVES_PAYLOAD_FORMAT: format }).JEEVES_PAYLOAD_FORMAT).toBe(
        format,
      );
  });

  it('stops the boot naming the variable, its value and the accepted values', () => {
    const load = () => loadConfig(payloadFormatConfigShape, { JEEVES_PAYLOAD_FORMAT: 'avro' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/JEEVES_PAYLOAD_FORMAT="avro".*json.*msgpack.*protobuf/);
  });
});
