//! Self-test of the integration-test harness in `tests/common`: moto starts and
//! answers, the recording proxy sees every AWS call the SDK makes through it,
//! and servers are stopped when dropped. A harness that silently failed would
//! make every other integration test meaningless.

mod common;

use std::time::{Duration, Instant};

use common::{sdk_config, Moto, RecordingProxy};

#[tokio::test]
async fn proxy_records_ec2_and_dynamodb_operations() {
    let moto = common::shared();
    let proxy = RecordingProxy::start(&moto.endpoint());
    // A region of its own: the shared server is used by other tests concurrently.
    let config = sdk_config(&proxy.endpoint(), "eu-north-1").await;

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let before = ec2
        .describe_vpcs()
        .send()
        .await
        .expect("DescribeVpcs through the proxy");
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .expect("CreateVpc through the proxy");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("CreateVpc returns the VPC id");
    assert!(vpc_id.starts_with("vpc-"), "unexpected VPC id {vpc_id}");
    assert_eq!(proxy.operations(), ["DescribeVpcs", "CreateVpc"]);
    assert_eq!(proxy.mutating_operations(), ["CreateVpc"]);
    let after = ec2
        .describe_vpcs()
        .send()
        .await
        .expect("DescribeVpcs through the proxy");
    assert_eq!(after.vpcs().len(), before.vpcs().len() + 1);

    proxy.clear();
    assert!(proxy.operations().is_empty());

    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    dynamodb
        .list_tables()
        .send()
        .await
        .expect("ListTables through the proxy");
    create_table(&dynamodb, "harness-smoke").await;
    assert_eq!(proxy.operations(), ["ListTables", "CreateTable"]);
    assert_eq!(proxy.mutating_operations(), ["CreateTable"]);
}

async fn create_table(dynamodb: &aws_sdk_dynamodb::Client, name: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .send()
        .await
        .expect("CreateTable through the proxy");
}

#[test]
fn private_server_reset_and_data_json() {
    let moto = Moto::start();
    assert!(moto.endpoint().ends_with(&format!(":{}", moto.port())));
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let config = sdk_config(&moto.endpoint(), "eu-west-2").await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        create_table(&dynamodb, "harness-data-json").await;
    });
    let data = moto.data_json();
    assert!(
        data.to_string().contains("harness-data-json"),
        "data.json does not show the new table: {data}"
    );
    moto.reset();
    assert!(
        !moto.data_json().to_string().contains("harness-data-json"),
        "the table survived /moto-api/reset"
    );
}

#[test]
fn dropping_a_server_stops_it() {
    let moto = Moto::start();
    let port = moto.port();
    let log = moto.log_path().to_owned();
    assert!(log.exists(), "no moto log at {}", log.display());
    drop(moto);
    // Nothing may answer on the port any more (moto is killed, not just its watchdog).
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "moto still listens on {port} after drop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!log.exists(), "the log of a cleanly dropped server is kept");
}

#[test]
fn proxy_works_without_a_runtime_and_stops_on_drop() {
    let moto = common::shared();
    let proxy = RecordingProxy::start(&moto.endpoint());
    let port = proxy.port();
    // A raw query-protocol call and a REST-style one, from a plain thread.
    let body = "Action=DescribeRegions&Version=2016-11-15";
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the proxy");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    std::io::Write::write_all(&mut stream, request.as_bytes()).expect("send to the proxy");
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).expect("read from the proxy");
    assert!(
        response.starts_with("HTTP/1.1 "),
        "not an HTTP response: {response}"
    );
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "the proxy must answer with Connection: close: {response}"
    );
    let (status, _) =
        common::http::request(port, "GET", "/moto-api/data.json", Duration::from_secs(30))
            .expect("GET through the proxy");
    assert_eq!(status, 200);
    assert_eq!(
        proxy.operations(),
        ["DescribeRegions", "GET /moto-api/data.json"]
    );
    assert!(proxy.mutating_operations().is_empty());
    drop(proxy);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the proxy still accepts connections after drop"
    );
}

#[test]
fn operation_names() {
    use common::http::Head;
    use common::proxy::{is_mutating, operation_name};
    let head = |start: &str, headers: &[(&str, &str)]| Head {
        start_line: start.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let json = head(
        "POST / HTTP/1.1",
        &[(
            "X-Amz-Target",
            "AmazonEC2ContainerServiceV20141113.CreateService",
        )],
    );
    assert_eq!(operation_name(&json, b"{}"), "CreateService");
    let query = head(
        "POST / HTTP/1.1",
        &[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
    );
    assert_eq!(
        operation_name(&query, b"Version=2010-05-08&Action=CreateRole&RoleName=x"),
        "CreateRole"
    );
    let rest = head("DELETE /2015-03-31/functions/f?Qualifier=1 HTTP/1.1", &[]);
    assert_eq!(operation_name(&rest, b""), "DELETE /2015-03-31/functions/f");
    for read in [
        "DescribeVpcs",
        "ListTables",
        "GetItem",
        "Scan",
        "Query",
        "BatchGetItem",
        "GET /x",
        "HEAD /x",
    ] {
        assert!(!is_mutating(read), "{read}");
    }
    for write in [
        "CreateVpc",
        "BatchWriteItem",
        "PutItem",
        "DeleteTable",
        "POST /x",
        "DELETE /x",
    ] {
        assert!(is_mutating(write), "{write}");
    }
}
