// Test bench of qnn_dwc: 60 pixels of 7 four-bit elements, 3 per input
// beat (two padding lanes per pixel, sent as all ones) to 2 per output
// beat (one zero lane per pixel), and back the other way (2 to 3), under
// random valid and ready gaps. Every output beat is compared with the
// pixel's elements. Prints PASS or FAIL.
module qnn_dwc_tb;
  localparam integer C = 7, XBits = 4, Pixels = 60;

  reg clk = 1'b0, rst_n = 1'b0;
  always #5 clk = !clk;

  wire done_a, done_b;
  wire [31:0] err_a, err_b;
  qnn_dwc_tb_side #(.C(C), .Wi(3), .Wo(2), .XBits(XBits), .Pixels(Pixels), .Seed(3)) u_a (
    .clk(clk), .rst_n(rst_n), .done(done_a), .errors(err_a));
  qnn_dwc_tb_side #(.C(C), .Wi(2), .Wo(3), .XBits(XBits), .Pixels(Pixels), .Seed(4)) u_b (
    .clk(clk), .rst_n(rst_n), .done(done_b), .errors(err_b));

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    repeat (40 * Pixels * C) @(posedge clk);
    if (done_a && done_b && err_a == 0 && err_b == 0) $display("PASS qnn_dwc_tb");
    else $display("FAIL qnn_dwc_tb: done %b %b, errors %0d %0d", done_a, done_b, err_a, err_b);
    $finish;
  end
endmodule

// One converter of qnn_dwc_tb with its source and checker.
module qnn_dwc_tb_side #(
  parameter integer C = 7, Wi = 3, Wo = 2, XBits = 4, Pixels = 60, Seed = 3
) (
  input wire clk, input wire rst_n, output reg done, output reg [31:0] errors
);
  localparam integer Bi = (C + Wi - 1) / Wi, Bo = (C + Wo - 1) / Wo;
  reg in_valid = 1'b0, out_ready = 1'b0;
  reg [Wi*XBits-1:0] in_data = 0;
  wire in_ready, out_valid;
  wire [Wo*XBits-1:0] out_data;

  qnn_dwc #(.C(C), .InWidth(Wi), .OutWidth(Wo), .XBits(XBits)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));

  function [XBits-1:0] elem(input integer p, e);
    elem = (p * 7 + e * 3 + p * e) % (1 << XBits);
  endfunction

  function [Wi*XBits-1:0] in_beat(input integer i);
    integer l, e;
    begin
      for (l = 0; l < Wi; l = l + 1) begin
        e = (i % Bi) * Wi + l;
        in_beat[l*XBits +: XBits] = (e < C) ? elem(i / Bi, e) : {XBits{1'b1}};
      end
    end
  endfunction

  function [Wo*XBits-1:0] out_beat(input integer j);
    integer l, e;
    begin
      for (l = 0; l < Wo; l = l + 1) begin
        e = (j % Bo) * Wo + l;
        out_beat[l*XBits +: XBits] = (e < C) ? elem(j / Bo, e) : {XBits{1'b0}};
      end
    end
  endfunction

  integer seed = Seed, sent = 0, got = 0;
  reg offering = 1'b0;
  initial begin
    done = 1'b0;
    errors = 0;
  end

  always @(posedge clk) begin
    if (rst_n) begin
      if (offering && in_ready) begin
        sent = sent + 1;
        offering = 1'b0;
      end
      if (out_valid && out_ready) begin
        if (out_data !== out_beat(got)) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL qnn_dwc_tb %0d->%0d beat %0d: %h, want %h", Wi, Wo, got, out_data, out_beat(got));
        end
        got = got + 1;
        if (got == Pixels * Bo) done = 1'b1;
      end
      if (!offering && sent < Pixels * Bi && ($random(seed) & 3) != 0) offering = 1'b1;
      in_valid  <= offering;
      in_data   <= in_beat(sent);
      out_ready <= ($random(seed) & 3) != 0;
    end
  end
endmodule
