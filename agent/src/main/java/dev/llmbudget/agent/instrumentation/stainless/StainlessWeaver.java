package dev.llmbudget.agent.instrumentation.stainless;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Weaves the calls of {@link RetryingHttpClientAdvice} into a Stainless SDK's classes with plain
 * ASM (the copy inside Byte Buddy's jar, ~15 classes) instead of Byte Buddy's {@code Advice}
 * (~700 classes and most of an app's start-up cost of the agent). The woven code is what the
 * advice inlines: the same calls of {@link HttpSeam}, in the same order, with the same effect on
 * arguments, return values and exceptions; the class keeps its shape (no new members), so it
 * serves retransformation too. One extra local (the call's state) is added to each woven method
 * and to every stack map frame in it; the handler that reports a thrown exception covers the
 * original body only, after every handler of its own, as Byte Buddy places it.
 */
final class StainlessWeaver implements Opcodes {

  private static final String SEAM = "dev/llmbudget/agent/instrumentation/stainless/HttpSeam";
  private static final String REFUSAL = "dev/llmbudget/agent/instrumentation/meter/Refusal";
  private static final String OBJECT = "java/lang/Object";
  private static final String THROWABLE = "java/lang/Throwable";
  private static final String ENTER = "(Ljava/lang/Object;)Ljava/lang/Object;";
  private static final String SENT = "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;";
  /** {@code exit(client, options, state, request, returned, thrown)}. */
  private static final String EXIT = "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;"
      + "Ljava/lang/Object;Ljava/lang/Throwable;)Ljava/lang/Object;";

  private enum Kind { EXECUTE, EXECUTE_ASYNC, PREPARE_ASYNC }

  private StainlessWeaver() {}

  /**
   * {@code classFile} woven, or {@code null} when it has none of the methods or cannot be woven
   * this way (a class file without stack map frames), for the caller to fall back to Byte Buddy.
   */
  static byte[] weave(byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    // Java 6 and older class files carry no frames; the SDKs target 8, so this is never the case.
    if (readVersion(classFile) < V1_7) {
      return null;
    }
    // First pass: the max_locals of each method to weave, where the call's state goes.
    Map<String, Integer> maxLocals = new HashMap<>();
    reader.accept(new ClassVisitor(ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
          String[] exceptions) {
        if (kind(access, name, descriptor) == null) {
          return null;
        }
        return new MethodVisitor(ASM9) {
          @Override
          public void visitMaxs(int maxStack, int locals) {
            maxLocals.put(name + descriptor, locals);
          }
        };
      }
    }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    if (maxLocals.isEmpty()) {
      return null;
    }
    // Given the reader, the writer copies the constant pool and every method this visitor hands
    // back untouched byte for byte instead of parsing and rewriting it: the weave is on the thread
    // that first loads the SDK, and RetryingHttpClient is a Kotlin class of many methods.
    ClassWriter writer = new ClassWriter(reader, 0);
    reader.accept(new ClassVisitor(ASM9, writer) {
      private String owner;

      @Override
      public void visit(int version, int access, String name, String signature, String superName,
          String[] interfaces) {
        owner = name;
        super.visit(version, access, name, signature, superName, interfaces);
      }

      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
          String[] exceptions) {
        MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
        Kind kind = kind(access, name, descriptor);
        if (kind == null) {
          return mv;
        }
        if (kind == Kind.PREPARE_ASYNC) {
          return new PrepareAdapter(mv, Type.getReturnType(descriptor).getInternalName());
        }
        return new MeterAdapter(mv, kind == Kind.EXECUTE_ASYNC, owner, access, descriptor,
            maxLocals.get(name + descriptor));
      }
    }, ClassReader.EXPAND_FRAMES);
    return writer.toByteArray();
  }

  private static int readVersion(byte[] classFile) {
    return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
  }

  /**
   * {@code true} when the class declares a method {@code name} with a body taking {@code args}
   * arguments, as Byte Buddy's matcher picks it: what tells a class that was woven from one that
   * only looked like a seam (an SDK version that renamed the method).
   */
  static boolean declares(byte[] classFile, String name, int args) {
    boolean[] found = new boolean[1];
    new ClassReader(classFile).accept(new ClassVisitor(ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String method, String descriptor, String signature,
          String[] exceptions) {
        if (method.equals(name) && (access & (ACC_ABSTRACT | ACC_NATIVE)) == 0
            && Type.getArgumentTypes(descriptor).length == args) {
          found[0] = true;
        }
        return null;
      }
    }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    return found[0];
  }

  /** The methods Byte Buddy's matchers picked: by name and argument count, with a body. */
  private static Kind kind(int access, String name, String descriptor) {
    if ((access & (ACC_ABSTRACT | ACC_NATIVE)) != 0) {
      return null;
    }
    Type returnType = Type.getReturnType(descriptor);
    if (returnType.getSort() != Type.OBJECT) {
      return null;
    }
    Type[] args = Type.getArgumentTypes(descriptor);
    boolean instance = (access & ACC_STATIC) == 0;
    switch (name) {
      case "execute":
      case "executeAsync":
        // Both arguments objects: exit is handed the request and the options (to send the call again).
        if (!instance || args.length != 2 || args[0].getSort() != Type.OBJECT || args[1].getSort() != Type.OBJECT) {
          return null;
        }
        return name.equals("execute") ? Kind.EXECUTE : Kind.EXECUTE_ASYNC;
      case "prepareAsync":
        return args.length == 3 || args.length == 4 ? Kind.PREPARE_ASYNC : null;
      default:
        return null;
    }
  }

  /** {@code PrepareRequest.prepareAsync}: every returned future goes through {@link HttpSeam#rememberCaller}. */
  private static final class PrepareAdapter extends MethodVisitor {
    private final String returnType;

    PrepareAdapter(MethodVisitor mv, String returnType) {
      super(ASM9, mv);
      this.returnType = returnType;
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode == ARETURN) {
        super.visitMethodInsn(INVOKESTATIC, SEAM, "rememberCaller", ENTER, false);
        super.visitTypeInsn(CHECKCAST, returnType);
      }
      super.visitInsn(opcode);
    }
  }

  /**
   * {@code execute} and {@code executeAsync}: enter (which may throw {@code BudgetExceededError},
   * before anything is sent), the request replaced by {@code sent}, an async refusal returned
   * without running the body, and exit on every return and on every throwable, which is rethrown.
   */
  private static final class MeterAdapter extends MethodVisitor {
    private final boolean async;
    private final int requestSlot;
    private final int optionsSlot;
    private final int stateSlot;
    private final String requestType;
    private final String returnType;
    /** The frame's locals at entry: this, the arguments, nothing up to the state, the state. */
    private final Object[] entryLocals;
    /** Alternating starts and ends of the original body's code, between the inserted exits. */
    private final List<Label> ranges = new ArrayList<>();

    MeterAdapter(MethodVisitor mv, boolean async, String owner, int access, String descriptor, int maxLocals) {
      super(ASM9, mv);
      this.async = async;
      this.requestSlot = 1;
      this.optionsSlot = 2;
      this.stateSlot = maxLocals;
      Type[] args = Type.getArgumentTypes(descriptor);
      this.requestType = args[0].getInternalName();
      this.returnType = Type.getReturnType(descriptor).getInternalName();
      List<Object> locals = new ArrayList<>();
      locals.add(owner);
      int slots = 1;
      for (Type arg : args) {
        locals.add(frameType(arg));
        slots += arg.getSize();
      }
      for (; slots < stateSlot; slots++) {
        locals.add(TOP);
      }
      locals.add(OBJECT);
      this.entryLocals = locals.toArray();
    }

    private static Object frameType(Type type) {
      switch (type.getSort()) {
        case Type.BOOLEAN: case Type.CHAR: case Type.BYTE: case Type.SHORT: case Type.INT:
          return INTEGER;
        case Type.FLOAT:
          return FLOAT;
        case Type.LONG:
          return LONG;
        case Type.DOUBLE:
          return DOUBLE;
        default:
          return type.getInternalName();
      }
    }

    @Override
    public void visitCode() {
      super.visitCode();
      mv.visitVarInsn(ALOAD, requestSlot);
      mv.visitMethodInsn(INVOKESTATIC, SEAM, async ? "enterAsync" : "enter", ENTER, false);
      mv.visitVarInsn(ASTORE, stateSlot);
      mv.visitVarInsn(ALOAD, stateSlot);
      mv.visitVarInsn(ALOAD, requestSlot);
      mv.visitMethodInsn(INVOKESTATIC, SEAM, "sent", SENT, false);
      mv.visitTypeInsn(CHECKCAST, requestType);
      mv.visitVarInsn(ASTORE, requestSlot);
      if (async) {
        Label body = new Label();
        mv.visitVarInsn(ALOAD, stateSlot);
        mv.visitTypeInsn(INSTANCEOF, REFUSAL);
        mv.visitJumpInsn(IFEQ, body);
        exit(true);
        mv.visitInsn(ARETURN);
        mv.visitLabel(body);
        mv.visitFrame(F_NEW, entryLocals.length, entryLocals, 0, new Object[0]);
        // The body's first instruction may carry a frame of its own; two frames cannot share an offset.
        mv.visitInsn(NOP);
      }
      mark();
    }

    /** Stack {@code [returned]} (or empty, with {@code nothing}) to {@code [exit's answer]}. */
    private void exit(boolean nothing) {
      if (nothing) {
        mv.visitInsn(ACONST_NULL);
      }
      mv.visitVarInsn(ALOAD, 0);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, optionsSlot);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, stateSlot);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, requestSlot);
      mv.visitInsn(SWAP);
      mv.visitInsn(ACONST_NULL);
      mv.visitMethodInsn(INVOKESTATIC, SEAM, async ? "exitAsync" : "exit", EXIT, false);
      mv.visitTypeInsn(CHECKCAST, returnType);
    }

    private void mark() {
      Label label = new Label();
      mv.visitLabel(label);
      ranges.add(label);
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode == ARETURN) {
        mark();
        exit(false);
        mv.visitInsn(ARETURN);
        mark();
        return;
      }
      super.visitInsn(opcode);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
      // EXPAND_FRAMES: every frame is F_NEW, its locals in full; the state sits after all of them.
      List<Object> locals = new ArrayList<>(Arrays.asList(local).subList(0, numLocal));
      int slots = 0;
      for (Object l : locals) {
        slots += l == LONG || l == DOUBLE ? 2 : 1;
      }
      for (; slots < stateSlot; slots++) {
        locals.add(TOP);
      }
      locals.add(OBJECT);
      super.visitFrame(type, locals.size(), locals.toArray(), numStack, stack);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
      mark();
      Label handler = ranges.get(ranges.size() - 1);
      mv.visitFrame(F_NEW, entryLocals.length, entryLocals, 1, new Object[] {THROWABLE});
      // [t] -> [t, this, options, state, request, null, t] -> exit -> [t] -> rethrown, as the advice's exit does.
      mv.visitInsn(DUP);
      mv.visitVarInsn(ALOAD, 0);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, optionsSlot);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, stateSlot);
      mv.visitInsn(SWAP);
      mv.visitVarInsn(ALOAD, requestSlot);
      mv.visitInsn(SWAP);
      mv.visitInsn(ACONST_NULL);
      mv.visitInsn(SWAP);
      mv.visitMethodInsn(INVOKESTATIC, SEAM, async ? "exitAsync" : "exit", EXIT, false);
      mv.visitInsn(POP);
      mv.visitInsn(ATHROW);
      for (int i = 0; i + 1 < ranges.size(); i += 2) {
        Label start = ranges.get(i);
        Label end = ranges.get(i + 1);
        if (start.getOffset() < end.getOffset()) {
          mv.visitTryCatchBlock(start, end, handler, THROWABLE);
        }
      }
      super.visitMaxs(maxStack + 7, stateSlot + 1);
    }
  }
}
