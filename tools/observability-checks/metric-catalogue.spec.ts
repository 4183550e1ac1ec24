import { catalogueProblems, queryReferences } from './metric-catalogue';

describe('queryReferences', () => {
  it('finds metric and label names, not functions, keywords, strings or durations', () => {
    expect(
      queryReferences(
        'histogram_quantile(0.95, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{route!~"/health.*", status_class="5xx"}[5m] offset 1h)))' +
          ' or on (service) label_replace(up{job="jeeves"}, "x", "$1", "service", "(.*)") * 1e3',
      ),
    ).toEqual({
      metrics: ['http_server_request_duration_seconds_bucket', 'up'],
      labels: ['job', 'le', 'route', 'service', 'status_class'],
    });
  });

  it('reads recorded series names with colons', () => {
    expect(queryReferences('service:http_server_requests:rate1m > 0').metrics).toEqual([
      'service:http_server_requests:rate1m',
    ]);
  });
});

describe('catalogueProblems', () => {
  it('accepts agreed names and labels, including histogram series and common labels', () => {
    expect(
      catalogueProblems('sum by (topic, group, le, instance) (rate(jeeves_kafka_handler_duration_seconds_bucket[1m]))'),
    ).toEqual([]);
  });

  it('flags an unknown metric', () => {
    expect(catalogueProblems('rate(jeeves_kafka_messages_consumed[1m])')).toEqual([
      'unknown metric jeeves_kafka_messages_consumed',
    ]);
  });

  it('flags a label that the metric does not carry', () => {
    expect(catalogueProblems('sum by (topic) (jeeves_breaker_state)')).toEqual([
      'label topic is on none of jeeves_breaker_state',
    ]);
  });

  it('knows k6 series carry no service label', () => {
    expect(catalogueProblems('k6_vus{service="gateway"}')).toEqual(['label service is on none of k6_vus']);
  });

  it('accepts recorded series given as extras', () => {
    expect(
      catalogueProblems('service:x:rate1m{service="bot"}', [{ name: 'service:x:rate1m', labels: ['service'] }]),
    ).toEqual([]);
  });
});
