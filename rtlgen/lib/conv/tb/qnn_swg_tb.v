// Test bench of qnn_swg: 3 frames of a 5x6 input with 4 channels (2 per
// beat), a 3x2 kernel, stride 2, padding top 1, bottom 1, left 1 and pad
// element 2, under random valid and ready gaps. Every output beat is
// compared with the window element computed directly from the input
// pattern (or the pad element outside the input). Prints PASS or FAIL.
module qnn_swg_tb;
  localparam integer C = 4, H = 5, W = 6, Kh = 3, Kw = 2, Stride = 2;
  localparam integer PadTop = 1, PadBottom = 1, PadLeft = 1, PadRight = 0, PadElem = 2;
  localparam integer Simd = 2, XBits = 3, Frames = 3;
  localparam integer G = C / Simd;
  localparam integer Oh = (H + PadTop + PadBottom - Kh) / Stride + 1;
  localparam integer Ow = (W + PadLeft + PadRight - Kw) / Stride + 1;
  localparam integer WinBeats = Kh * Kw * G;
  localparam integer NIn = Frames * H * W * G, NOut = Frames * Oh * Ow * WinBeats;

  reg clk = 1'b0, rst_n = 1'b0;
  reg in_valid = 1'b0, out_ready = 1'b0;
  reg [Simd*XBits-1:0] in_data = 0;
  wire in_ready, out_valid;
  wire [Simd*XBits-1:0] out_data;

  qnn_swg #(.C(C), .H(H), .W(W), .Kh(Kh), .Kw(Kw), .Stride(Stride), .PadTop(PadTop), .PadBottom(PadBottom),
    .PadLeft(PadLeft), .PadRight(PadRight), .PadElem(PadElem), .Simd(Simd), .XBits(XBits), .Rows(Kh + Stride)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));

  always #5 clk = !clk;

  function [XBits-1:0] elem(input integer f, ih, iw, c);
    elem = (f * 5 + ih * 3 + iw * 7 + c * 11 + ih * iw) % (1 << XBits);
  endfunction

  // Input beat i: pixel i / G of its frame in raster order, channel group i % G.
  function [Simd*XBits-1:0] in_beat(input integer i);
    integer px, s;
    begin
      px = i / G;
      for (s = 0; s < Simd; s = s + 1)
        in_beat[s*XBits +: XBits] = elem(px / (H * W), (px % (H * W)) / W, px % W, (i % G) * Simd + s);
    end
  endfunction

  // Output beat j: window (oh, ow) of its frame, kernel (kh, kw), group g.
  function [Simd*XBits-1:0] out_beat(input integer j);
    integer f, r, oh, ow, b, kh, kw, g, ih, iw, s;
    begin
      f = j / (Oh * Ow * WinBeats);
      r = j % (Oh * Ow * WinBeats);
      oh = (r / WinBeats) / Ow;
      ow = (r / WinBeats) % Ow;
      b = r % WinBeats;
      kh = b / (Kw * G);
      kw = (b / G) % Kw;
      g = b % G;
      ih = oh * Stride - PadTop + kh;
      iw = ow * Stride - PadLeft + kw;
      for (s = 0; s < Simd; s = s + 1)
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) out_beat[s*XBits +: XBits] = elem(f, ih, iw, g * Simd + s);
        else out_beat[s*XBits +: XBits] = PadElem;
    end
  endfunction

  integer seed = 5, errors = 0, sent = 0, got = 0, cycles = 0;
  reg offering = 1'b0;

  always @(posedge clk) begin
    if (rst_n) begin
      cycles = cycles + 1;
      if (offering && in_ready) begin
        sent = sent + 1;
        offering = 1'b0;
      end
      if (out_valid && out_ready) begin
        if (out_data !== out_beat(got)) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL qnn_swg_tb beat %0d: %h, want %h", got, out_data, out_beat(got));
        end
        got = got + 1;
      end
      if (!offering && sent < NIn && ($random(seed) & 3) != 0) offering = 1'b1;
      in_valid  <= offering;
      in_data   <= in_beat(sent);
      out_ready <= ($random(seed) & 3) != 0;
    end
  end

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    while (got < NOut && cycles < 20 * (NIn + NOut)) @(posedge clk);
    if (errors == 0 && got == NOut) $display("PASS qnn_swg_tb");
    else $display("FAIL qnn_swg_tb: %0d errors, %0d of %0d beats", errors, got, NOut);
    $finish;
  end
endmodule
